// A question that is not required (one's own words, open-ended) can be skipped: the questionnaire is
// finished without it. The required ones are answered through the API first, as the app would.
import { expect, test } from "@playwright/test";
import { call, consoleErrors, PASSWORD, signedUpPerson, signInThroughTheApp } from "./helpers";

type Json = Record<string, any>;

test("the questions that are not required can be skipped, and the questionnaire finished without them", async ({ page, request }) => {
  test.setTimeout(120_000);
  const errors = consoleErrors(page);
  const sam = await signedUpPerson(request, "Sam");
  await call(request, "PATCH", "/api/v1/me", sam.token, { location: { label: "Tromsø, Norway", latitude: 69.65, longitude: 18.96 } });
  // Every required question answered; the ones that are not are left.
  let optional: Json[] = [];
  for (let i = 0; i < 200; i++) {
    const next = (await call(request, "GET", "/api/v1/questionnaire/next?limit=20", sam.token)).questions as Json[];
    const q = next.find((x) => x.required !== false);
    if (!q) {
      optional = next;
      break;
    }
    const keys = (q.options ?? []).map((o: Json) => o.key);
    const value = q.type === "multiple_select" ? keys.slice(0, Math.max(1, q.min_selections ?? 1)) : q.type === "slider" ? (q.slider?.min ?? 0) : q.type === "boolean" ? true : keys[0];
    await call(request, "PUT", `/api/v1/questionnaire/answers/${q.question_id}`, sam.token, { value, importance: 5 });
  }
  expect(optional.length, "the bank has questions that are not required").toBeGreaterThan(0);

  await signInThroughTheApp(page, sam.email, PASSWORD);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.goto("/questionnaire");
  for (const q of optional) {
    const form = page.locator("form.question");
    await expect(form.locator("legend")).toHaveText(q.text);
    await form.getByRole("button", { name: "Skip this question" }).click();
    await expect(page.locator("p.notice")).toHaveText("Skipped: you can answer it later.");
  }
  await expect(page.getByText(/^You have answered every question you need to\./)).toBeVisible();
  await page.getByRole("button", { name: "Finish the questionnaire" }).click();
  await expect(page.getByText(/^Done! Your matches are being prepared/)).toBeVisible();
  expect((await call(request, "GET", "/api/v1/questionnaire/progress", sam.token)).completed).toBe(true);
  expect(errors).toEqual([]);
});
