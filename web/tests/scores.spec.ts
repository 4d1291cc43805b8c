// Scores are 0-100 (docs/openapi.yaml): one of 1 or less is a score too. Read as a fraction, an
// attribute two people barely share showed as 100%.
import { expect, test } from "@playwright/test";
import { DEMO, demoUserWithMatches, signInThroughTheApp } from "./helpers";

test("a match's low scores show as they are", async ({ page, request }) => {
  const email = await demoUserWithMatches(request);
  await signInThroughTheApp(page, email, DEMO.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  // The real answer, with its first attribute's score and the total made low.
  await page.route(/\/api\/v1\/matches\/[0-9a-f-]{36}$/, async (route) => {
    const response = await route.fetch();
    const match = await response.json();
    match.attributes[0].score = 1;
    match.compatibility_score = 0.5;
    await route.fulfill({ response, json: match });
  });
  await page.locator("a[href^='/matches/']").first().click();
  await expect(page.getByRole("heading", { name: "Why you match" })).toBeVisible();
  const first = page.getByRole("meter").first();
  await expect(first).toHaveAttribute("aria-valuenow", "1");
  await expect(page.locator("strong", { hasText: /^1%$/ })).toBeVisible();
});
