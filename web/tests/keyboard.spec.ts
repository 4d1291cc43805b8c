// Keyboard only: a demo user signs in, moves through the navigation and opens the notifications
// with Tab and Enter alone, and the focused element is always visibly outlined.
import { expect, test, type Page } from "@playwright/test";
import { consoleErrors, DEMO, demoEmail } from "./helpers";

/** Presses Tab (or Shift+Tab) until the focused element has this accessible text (at most 40 times). */
async function tabTo(page: Page, text: string | RegExp, key: "Tab" | "Shift+Tab" = "Tab"): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(key);
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
  // The new screen's heading has the focus (a screen reader says where one is), the tab's title and
  // the navigation say which screen it is.
  await expect(page.getByRole("heading", { name: "Your account" })).toBeFocused();
  await expect(page).toHaveTitle("Your account – Perfect Match");
  await expect(page.getByRole("link", { name: "Account", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("link", { name: "Matches", exact: true })).not.toHaveAttribute("aria-current", "page");
  await tabTo(page, /^Notifications/, "Shift+Tab");
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
