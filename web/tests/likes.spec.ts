// The two things a plan sells on the matches screen: who liked you (a free plan sees how many, with
// the way to the plans) and taking back a pass made by mistake. The plan is given by an admin
// through the API, as the staff console does (docs/admin.md).
import { expect, test } from "@playwright/test";
import { call, completePerson, consoleErrors, like, matchBetween, PASSWORD, signInThroughTheApp, STAFF } from "./helpers";
import { checkScreen } from "./screens";

const NUUK = { label: "Nuuk, Greenland", latitude: 64.18, longitude: -51.69 };

test("a free person sees how many liked them; with premium, who, answered from there, and a pass undone", async ({ page, request }) => {
  test.setTimeout(180_000);
  const errors = consoleErrors(page);
  const ana = await completePerson(request, { firstName: "Ana", gender: "woman", seeking: "man", place: NUUK });
  const ben = await completePerson(request, { firstName: "Ben", gender: "man", seeking: "woman", place: NUUK });
  const cal = await completePerson(request, { firstName: "Cal", gender: "man", seeking: "woman", place: NUUK });
  await like(request, ben, await matchBetween(request, ana, ben));
  const withCal = await matchBetween(request, ana, cal);

  // Free: how many, not who, and where to see who.
  await signInThroughTheApp(page, ana.email, PASSWORD);
  const likedYou = page.getByRole("region", { name: "Liked you" });
  await expect(likedYou).toContainText("One person liked you and waits for your answer.");
  await expect(likedYou.getByRole("link", { name: "Ben" })).toHaveCount(0);
  await expect(likedYou.getByRole("link", { name: "see the plans" })).toHaveAttribute("href", "/plans");
  // Nor can she take back a pass: the server's words say why.
  await page.getByRole("button", { name: "Pass Cal" }).click();
  await page.getByRole("button", { name: "Undo my last pass" }).click();
  await expect(page.getByRole("alert")).toContainText(/plan/i);

  // Premium (given by an admin): who, each a way to the match, where she answers.
  const admin = await call(request, "POST", "/api/v1/auth/login", undefined, { email: STAFF.admin, password: STAFF.password });
  await call(request, "POST", `/api/v1/admin/users/${ana.userId}/plan`, admin.token, { plan_id: "premium", days: 30 });
  // A plan given, not paid for: nothing renews it.
  await page.goto("/subscription");
  await expect(page.getByText("Given until")).toBeVisible();
  await expect(page.getByText("Renews on")).toHaveCount(0);
  await page.goto("/matches");
  await likedYou.getByRole("link", { name: "Ben" }).click();
  await expect(page.getByRole("heading", { name: /^Ben/ })).toBeVisible();
  await page.getByRole("button", { name: "Like Ben" }).click();
  await expect(page.getByText("It's a match! You and Ben like each other.")).toBeVisible();

  // The pass of Cal, taken back: his card is undecided again, with Like and Pass.
  await page.getByRole("link", { name: "Matches", exact: true }).click();
  await expect(likedYou, "no one waits for an answer now").toHaveCount(0);
  await page.getByRole("button", { name: "Undo my last pass" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Cal is back among your matches." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Pass Cal" })).toBeVisible();
  const back = await call(request, "GET", `/api/v1/matches/${withCal}`, ana.token);
  expect(back.status).toBe("pending");
  await checkScreen(page, "matches-after-rewind");
  expect(errors).toEqual([]);
});
