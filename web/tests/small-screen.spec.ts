// At 375 px wide (a small phone), every screen of a signed-in demo user fits the width (nothing to
// scroll sideways) and passes axe; their screenshots are saved with a "-375" suffix.
import { expect, test } from "@playwright/test";
import { consoleErrors, DEMO, demoUserWithMatches, signInThroughTheApp } from "./helpers";
import { checkScreen } from "./screens";

test.use({ viewport: { width: 375, height: 740 } });

test("every screen is usable at 375 px wide and passes axe", async ({ page, request }) => {
  test.setTimeout(120_000);
  const errors = consoleErrors(page);
  await signInThroughTheApp(page, await demoUserWithMatches(request), DEMO.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await expect(page.locator("li.card").first()).toBeVisible();
  const firstMatch = await page.locator("li.card h2 a").first().getAttribute("href");

  const screens: [string, string, string | RegExp][] = [
    ["matches", "/matches", "Matches"],
    ["match-detail", firstMatch ?? "/matches", "What you share"],
    ["chats", "/chats", "Chats"],
    ["questionnaire", "/questionnaire", "Questionnaire"],
    ["profile", "/profile", "Your profile"],
    ["plans", "/plans", "Plans"],
    ["subscription", "/subscription", "Your subscription"],
    ["notifications", "/notifications", "Notifications"],
    ["account", "/account", "Your account"],
  ];
  for (const [name, path, heading] of screens) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading }).first()).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Loading…" })).toHaveCount(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(0);
    await checkScreen(page, `${name}-375`);
  }
  expect(errors).toEqual([]);
});
