// The language of a person's mails and push messages (docs/notifications.md "Language"): chosen on
// the notifications screen, kept by the server, and the next mail is written in it.
import { expect, test } from "@playwright/test";
import { call, signedUpPerson, signUpThroughTheApp, uniqueEmail } from "./helpers";
import { mailWith } from "./mail";

test("a person chooses German and their next mail is in German", async ({ page, request }) => {
  const person = await signedUpPerson(request, "Lena");
  await page.goto("/signin");
  await page.evaluate((token) => localStorage.setItem("pm.session", token), person.token);
  await page.goto("/notifications");
  const choice = page.getByLabel("Language of emails and push notifications");
  await expect(choice).toHaveValue("en");
  await choice.selectOption({ label: "Deutsch" });
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  // Kept by the server: another visit shows it, and the preferences say it.
  await page.reload();
  await expect(page.getByLabel("Language of emails and push notifications")).toHaveValue("de");
  const prefs = await call(request, "GET", "/api/v1/me/preferences", person.token);
  expect(prefs.language).toBe("de");

  // A password reset mail, now in German (greeting no one by name: the address is not proven yet,
  // and a name typed at sign-up with a stranger's address is no word of theirs).
  await call(request, "POST", "/api/v1/auth/password-reset/request", undefined, { email: person.email });
  await mailWith(person.email, "Hallo,");
  await mailWith(person.email, "Passwort zurücksetzen");
});

test("the sign-up form proposes the browser's language, and the first mail is written in it", async ({ browser, request }) => {
  const german = await browser.newContext({ locale: "de-DE" });
  const page = await german.newPage();
  const email = uniqueEmail("jonas");
  await signUpThroughTheApp(page, { email, firstName: "Jonas", birthDate: "1990-03-03" }, async () => {
    await expect(page.getByLabel("Language of our messages to you")).toHaveValue("de");
  });

  await mailWith(email, "willkommen bei Perfect Match");
  const token = await page.evaluate(() => localStorage.getItem("pm.session"));
  const prefs = await call(request, "GET", "/api/v1/me/preferences", token ?? undefined);
  expect(prefs.language).toBe("de");
  await german.close();
});

test("a person whose browser speaks English can still choose German when signing up", async ({ page }) => {
  const email = uniqueEmail("maren");
  await signUpThroughTheApp(page, { email, firstName: "Maren", birthDate: "1993-04-04" }, async () => {
    const choice = page.getByLabel("Language of our messages to you");
    await expect(choice).toHaveValue("en");
    await choice.selectOption({ label: "Deutsch" });
  });
  await mailWith(email, "willkommen bei Perfect Match");
});
