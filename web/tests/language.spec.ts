// The language of a person's mails and push messages (docs/notifications.md "Language"): chosen on
// the notifications screen, kept by the server, and the next mail is written in it.
import { expect, test } from "@playwright/test";
import { call, signedUpPerson } from "./helpers";
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

  // A password reset mail, now in German.
  await call(request, "POST", "/api/v1/auth/password-reset/request", undefined, { email: person.email });
  await mailWith(person.email, "Hallo Lena,");
  await mailWith(person.email, "Passwort zurücksetzen");
});
