// When the server cannot be reached or answers with a problem, the screens say so in words (never a
// blank screen or raw JSON). The failures are made in the browser (page.route), the server is real.
import { expect, test } from "@playwright/test";
import { consoleErrors, DEMO, demoEmail, signInThroughTheApp } from "./helpers";

test("an unreachable server and the server's problems are shown in words", async ({ page }) => {
  await signInThroughTheApp(page, demoEmail(3), DEMO.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();

  // No connection: the notifications list says so, and the settings (a different call) still load.
  await page.route("**/api/v1/notifications?**", (route) => route.abort("internetdisconnected"));
  await page.getByRole("link", { name: /^Notifications/ }).click();
  await expect(page.getByRole("alert")).toHaveText("The server cannot be reached. Check your connection and try again.");
  await expect(page.getByLabel("New matches")).toBeVisible();
  await page.unroute("**/api/v1/notifications?**");

  // A problem (RFC 9457) shows its detail; a rate limit adds when to try again.
  await page.route("**/api/v1/me/preferences", (route) =>
    route.request().method() === "PUT"
      ? route.fulfill({
          status: 429,
          contentType: "application/problem+json",
          body: JSON.stringify({ type: "about:blank", title: "Too Many Requests", status: 429, detail: "Too many changes", retry_after: 30 }),
        })
      : route.continue(),
  );
  // (a click, not uncheck(): the box turns back as soon as the refusal arrives, which uncheck() would take for a failed click)
  await page.getByLabel("Likes").click();
  await expect(page.getByRole("region", { name: "What to be told about" }).getByRole("alert")).toHaveText(
    "Too many changes. Try again in 30 seconds.",
  );
  await expect(page.getByLabel("Likes"), "what is stored, not what failed").toBeChecked();

  await page.route("**/api/v1/me/export", (route) =>
    route.fulfill({
      status: 503,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "https://perfectmatch.dev/problems/unavailable", title: "Service Unavailable", status: 503, detail: "The database is not answering" }),
    }),
  );
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("button", { name: "Download my data" }).click();
  await expect(page.getByRole("region", { name: "Your data" }).getByRole("alert")).toHaveText("The database is not answering.");

  // The profile cannot be read when the app opens: said, with a way to try again.
  await page.route("**/api/v1/me", (route) => (route.request().method() === "GET" ? route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "The database is not answering" }) }) : route.continue()));
  await page.reload();
  await expect(page.getByRole("alert")).toHaveText("The database is not answering.");
  await page.unroute("**/api/v1/me");
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("link", { name: "Questionnaire" })).toBeVisible();

  // The questionnaire's list comes but its next question does not: said, not "Loading…" for good.
  // (the failure comes a second late, after the list: the order in which it waited for good)
  await page.route("**/api/v1/questionnaire/next**", (route) => setTimeout(() => void route.abort("internetdisconnected"), 1_000));
  await page.getByRole("link", { name: "Questionnaire" }).click();
  await expect(page.getByRole("alert")).toHaveText("The server cannot be reached. Check your connection and try again.");
});

test("a sign-in refused by the network's limit does not blame guesses at the account", async ({ page }) => {
  const errors = consoleErrors(page);
  const refusal = (detail: string) => ({
    status: 429,
    contentType: "application/problem+json",
    body: JSON.stringify({ type: "/problems/rate-limited", title: "Too many requests", status: 429, detail, retry_after: 300 }),
  });
  await page.route("**/api/v1/auth/login", (route) => route.fulfill(refusal("too many sign-in attempts; try again later")));
  await page.goto("/signin");
  await page.getByLabel("Email").fill(demoEmail(3));
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Too many sign-in attempts. Try again in 5 minutes.");
  await expect(page.getByRole("link", { name: "Reset your password" }), "no word of someone's guesses").toHaveCount(0);
  // The account's own limit does say so, with the way in that is left.
  await page.unroute("**/api/v1/auth/login");
  await page.route("**/api/v1/auth/login", (route) => route.fulfill(refusal("too many sign-in attempts for this account; try again later")));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("link", { name: "Reset your password" })).toBeVisible();
  expect(errors).toEqual([]);
});
