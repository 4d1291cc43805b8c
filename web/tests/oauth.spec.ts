// "Sign in with ..." in the browser against a real OpenID Provider: web/test-e2e runs oidc-provider
// (tests/oidc/provider.mjs) as the provider "Local OP", whose own login and consent pages the test
// fills in like a person. Only the app's screens are checked for console errors and axe: the
// provider's pages are not ours.
import { expect, test, type Page } from "@playwright/test";
import { consoleErrors, setPasswordFromTheMail, uniqueEmail } from "./helpers";
import { checkScreen } from "./screens";

const PROVIDER = "Local OP";

/** The provider's pages import a web font from the internet, which tests never reach: refused at once. */
test.beforeEach(async ({ page }) => {
  await page.route("https://fonts.googleapis.com/**", (route) => route.abort());
});

/** The provider's pages: its login form, then its consent. */
async function passTheProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a new person signs up with the provider, then signs in with it again", async ({ page }) => {
  const email = uniqueEmail("provider");
  await page.goto("/signup");
  const errors = consoleErrors(page);
  const signUpWith = page.getByRole("button", { name: `Sign up with ${PROVIDER}` });
  await expect(signUpWith).toBeVisible();
  await checkScreen(page, "signup-with-provider");
  await signUpWith.click();
  await expect(page.getByRole("alert")).toContainText("birth date");
  await page.getByLabel("Birth date").fill("1993-02-11");
  await signUpWith.click();
  await passTheProvider(page, email);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  expect(await page.evaluate(() => location.hash)).toBe("");

  // Signed out, and the provider's own session gone too (else it would send the person straight back).
  await page.evaluate(() => localStorage.clear());
  await page.context().clearCookies();
  await page.goto("/signin");
  await checkScreen(page, "signin-with-provider");
  await page.getByRole("button", { name: `Sign in with ${PROVIDER}` }).click();
  await passTheProvider(page, email);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  // (the refused font of the provider's pages is its "Failed to load resource: net::ERR_FAILED")
  expect(errors.filter((e) => !e.startsWith("Failed to load resource: net::ERR_FAILED"))).toEqual([]);
});

test("declining at the provider comes back as words on the sign-in screen", async ({ page }) => {
  await page.goto("/signin");
  await page.getByRole("button", { name: `Sign in with ${PROVIDER}` }).click();
  await page.getByRole("link", { name: /Cancel/ }).click();
  await expect(page.getByRole("alert")).toHaveText("You did not allow the sign-in at the provider, so nothing happened.");
  await checkScreen(page, "signin-provider-declined");

  await page.goto("/signin");
  await page.getByRole("button", { name: `Sign in with ${PROVIDER}` }).click();
  await passTheProvider(page, uniqueEmail("nobody"));
  await expect(page.getByRole("alert")).toContainText("No account uses this identity yet");
});

// Apple returns by form POST from its own site (response_mode=form_post): the server answers the POST
// with 303 to its GET callback, where the browser's flow cookie comes along (docs/oauth.md).
test("a provider that returns by form POST, as Apple does, signs a person up and in", async ({ page }) => {
  const email = uniqueEmail("formpost");
  await page.goto("/signup");
  await page.getByLabel("Birth date").fill("1990-07-30");
  const returns: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/v1/auth/oauth/form/callback")) returns.push(r.method());
  });
  await page.getByRole("button", { name: "Sign up with Form OP" }).click();
  await passTheProvider(page, email);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  expect(returns).toEqual(["POST", "GET"]);

  await page.evaluate(() => localStorage.clear());
  await page.context().clearCookies();
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Form OP" }).click();
  await passTheProvider(page, email);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
});

test("an account made with the provider is offered a password instead of asked for one", async ({ page }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("nopassword");
  await page.goto("/signup");
  await page.getByLabel("Birth date").fill("1988-04-21");
  await page.getByRole("button", { name: `Sign up with ${PROVIDER}` }).click();
  await passTheProvider(page, email);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();

  // No password to change or to confirm with: the screen says how to get one, and what proves a session instead.
  const setPassword = page.getByRole("region", { name: "Set a password" });
  await expect(setPassword).toContainText(`Your account signs in with ${PROVIDER} and has no password.`);
  await expect(page.getByRole("region", { name: "Change the password" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Change the email address" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Your data" })).toContainText(`sign in with ${PROVIDER} again first`);
  await expect(page.getByLabel(/^Password/)).toHaveCount(0);
  await checkScreen(page, "account-without-password");

  // The mailed link sets one; signed in with it, the screen asks for it where the others' does.
  const asked = Date.now();
  await setPassword.getByRole("button", { name: "Mail me a link" }).click();
  await expect(setPassword.getByText("If an account uses this address")).toBeVisible();
  await setPasswordFromTheMail(page, email, asked, "a-password-of-my-own-41");
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("region", { name: "Change the password" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Set a password" })).toHaveCount(0);
  await expect(page.getByLabel("Password (needed when you signed in more than 10 minutes ago)")).toBeVisible();
});
