// Keyboard only: a demo user signs in, moves through the navigation and opens the notifications
// with Tab and Enter alone, and the focused element is always visibly outlined.
import { expect, test, type Page } from "@playwright/test";
import { consoleErrors, DEMO, demoEmail } from "./helpers";

/** Presses Tab until the focused element has this accessible text (at most 40 times). */
async function tabTo(page: Page, text: string | RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? el.getAttribute("aria-label") || el.innerText || "" : "";
    });
    if (typeof text === "string" ? focused.trim() === text : text.test(focused)) {
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline, `the focus on "${focused}" is visible`).not.toBe("none");
      return;
    }
  }
  throw new Error(`Tab never reached "${text}"`);
}

test("a person signs in and moves around with the keyboard alone", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto("/signin");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(demoEmail(2));
  await page.keyboard.press("Tab");
  await page.keyboard.type(DEMO.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();

  await tabTo(page, "Account");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await tabTo(page, /^Notifications/);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

  // The first Tab on a page offers to skip the header's links; Enter lands in the screen's content.
  await page.goto("/matches");
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to the content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
  expect(errors).toEqual([]);
});
