// The mailed links (verification, password reset) and the account screen, in Chromium against the
// server web/test-e2e starts. The links are read from the mails the server wrote (tests/mail.ts).
import { expect, test } from "@playwright/test";
import { call, completePerson, consoleErrors, PASSWORD, setPasswordFromTheMail, signedUpPerson, signInThroughTheApp, signUpThroughTheApp, uniqueEmail } from "./helpers";
import { mailedLink, newMailedLink } from "./mail";
import { checkScreen } from "./screens";

test("a new person verifies the address by the mailed link, then resets a forgotten password by mail", async ({ page, browser }) => {
  const errors = consoleErrors(page);
  const email = uniqueEmail("verifier");
  await signUpThroughTheApp(page, { email, firstName: "Vera", birthDate: "1991-09-09" });
  // Until the address is confirmed, no notification comes by mail, and the settings say so.
  await page.goto("/notifications");
  await expect(page.getByText("No emails come until you have confirmed your address")).toBeVisible();
  // Every screen reminds them, and a lost mail can be sent again: a new link, the one before retired.
  const reminder = page.getByRole("complementary", { name: "Email address not verified" });
  await expect(reminder).toContainText(`the link we sent to ${email}`);
  const firstLink = await mailedLink(email, "/verify-email");
  await reminder.getByRole("button", { name: "Mail me a new link" }).click();
  await expect(reminder.getByText(`We sent a new link to ${email}.`)).toBeVisible();
  const verify = await newMailedLink(email, "/verify-email", firstLink);

  // The link in the mail opens the app, which confirms the address: in a browser where nobody is
  // signed in (a mail program's), which then offers the way in.
  const mailBrowser = await browser.newContext();
  const mailPage = await mailBrowser.newPage();
  const mailErrors = consoleErrors(mailPage);
  await mailPage.goto(verify);
  await expect(mailPage.getByRole("heading", { name: "Confirm your email" })).toBeVisible();
  await expect(mailPage.getByText("Your email address is verified.")).toBeVisible();
  await checkScreen(mailPage, "verify-email");
  // The token leaves the address bar (and the history), for the next person at this computer.
  expect(new URL(mailPage.url()).search).toBe("");
  // The link works once: the server's problem is shown in words.
  await mailPage.goto(verify);
  await expect(mailPage.getByRole("alert")).toContainText(/token|link/i);
  await mailPage.getByRole("link", { name: "Continue" }).click();
  await expect(mailPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(mailErrors).toEqual([]);
  await mailBrowser.close();
  await page.goto("/account");
  await expect(page.getByText(`Signed in as ${email} (verified)`)).toBeVisible();
  await expect(reminder).toHaveCount(0);
  await page.goto("/notifications");
  await expect(page.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
  await expect(page.getByText("No emails come until you have confirmed your address")).toHaveCount(0);

  // Forgotten password: ask for a link while signed out, open it, choose a new password.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await checkScreen(page, "forgot-password");
  const asked = Date.now();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Mail me a link" }).click();
  await expect(page.getByText("If an account uses this address")).toBeVisible();
  const reset = await mailedLink(email, "/reset-password", asked);
  await page.goto(reset);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  expect(new URL(page.url()).search).toBe("");
  await checkScreen(page, "reset-password");
  await page.getByLabel("New password").fill("password12");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("alert")).toContainText(/password/i);
  const newPassword = "a-brand-new-passphrase-77";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();
  await signInThroughTheApp(page, email, newPassword);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("someone guessing a person's password cannot lock them out of the browser where they signed in", async ({ page, browser, request }) => {
  const errors = consoleErrors(page);
  const email = uniqueEmail("guessed");
  await signUpThroughTheApp(page, { email, firstName: "Gwen", birthDate: "1990-02-02" });
  await page.goto("/account");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // Her flatmate signs up and in on the same browser afterwards, and signs out.
  await signUpThroughTheApp(page, { email: uniqueEmail("flatmate"), firstName: "Flo", birthDate: "1992-03-03" });
  await page.goto("/account");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // Guesses from this same address (a shared network) until the account's limit for it is reached.
  let refused = 0;
  for (let i = 0; i < 12 && refused === 0; i++) {
    const guess = await request.post("/api/v1/auth/login", { data: { email, password: `guess number ${i}` } });
    if (guess.status() === 429) refused++;
    else expect(guess.status()).toBe(401);
  }
  expect(refused).toBe(1);

  // Another browser, which never signed in to this account, waits like the guesser.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signInThroughTheApp(other, email, PASSWORD);
  await expect(other.getByRole("alert")).toContainText(/too many|try again/i);

  // The browser where she signed in before is hers (the flatmate's sign-in there did not take that
  // from her): it signs in.
  await signInThroughTheApp(page, email, PASSWORD);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  expect(errors).toEqual([]);

  // In the other browser, the way in now is a new password, which the refusal points to.
  await other.getByRole("link", { name: "Reset your password" }).click();
  await expect(other.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  const asked = Date.now();
  await other.getByLabel("Email").fill(email);
  await other.getByRole("button", { name: "Mail me a link" }).click();
  await expect(other.getByText("If an account uses this address")).toBeVisible();
  await setPasswordFromTheMail(other, email, asked, "no-more-waiting-for-gwen-41");
  await elsewhere.close();
});

test("the account screen changes the password and the address, downloads the export, signs out everywhere and deletes", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const errors = consoleErrors(page);
  const email = uniqueEmail("owner");
  await signUpThroughTheApp(page, { email, firstName: "Olga", birthDate: "1991-09-09" });
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(`Signed in as ${email} (not verified yet)`)).toBeVisible();
  await checkScreen(page, "account");

  // Privacy: a setting turned off is saved at once, and still off after a reload (the others on).
  const privacy = () => page.getByRole("region", { name: "Privacy" });
  await expect(privacy().getByLabel("Show my age")).toBeChecked();
  await privacy().getByLabel("Show my age").click();
  await expect(privacy().getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(privacy().getByLabel("Show how far away I am")).toBeChecked();
  await expect(privacy().getByLabel("Show my age")).not.toBeChecked();

  // A wrong current password is the server's problem, in words; then the change works.
  const password = page.getByRole("region", { name: "Change the password" });
  await password.getByLabel("Current password").fill("not-my-password-at-all");
  await password.getByLabel("New password").fill("another-long-passphrase-55");
  await password.getByRole("button", { name: "Change the password" }).click();
  await expect(password.getByRole("alert")).toContainText(/password is wrong/i);
  // ... and beside the field it is about, which takes the focus.
  await expect(password.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
  await expect(password.getByLabel("Current password")).toHaveAccessibleDescription("The current password is wrong.");
  await expect(password.getByLabel("Current password")).toBeFocused();
  await expect(password.getByLabel("New password")).not.toHaveAttribute("aria-invalid");
  await password.getByLabel("Current password").fill(PASSWORD);
  await password.getByRole("button", { name: "Change the password" }).click();
  await expect(password.getByText("Your password was changed.")).toBeVisible();
  await expect(password.getByLabel("Current password"), "mended once it worked").not.toHaveAttribute("aria-invalid");
  const currentPassword = "another-long-passphrase-55";

  // A new address: it changes when the link mailed to it is opened.
  const newEmail = uniqueEmail("moved");
  const emailForm = page.getByRole("region", { name: "Change the email address" });
  await emailForm.getByLabel("New email address").fill(newEmail);
  await emailForm.getByLabel("Password").fill(currentPassword);
  await emailForm.getByRole("button", { name: "Change the email address" }).click();
  await expect(emailForm.getByText(`We sent a link to ${newEmail}.`)).toBeVisible();
  const moved = await mailedLink(newEmail, "/verify-email");
  await page.goto(moved);
  await expect(page.getByText("Your email address is verified.")).toBeVisible();
  // The link opened again, signed in: spent, and which address is verified, in words.
  await page.goto(moved);
  await expect(page.getByRole("alert")).toHaveText(`This link was already used or has expired; your address, ${newEmail}, is verified.`);
  await page.getByRole("link", { name: "Continue" }).click();
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByText(`Signed in as ${newEmail} (verified)`)).toBeVisible();

  // The export arrives as a download with what is stored about the person (the password given
  // again, as a session older than ten minutes must).
  const download = page.waitForEvent("download");
  await page.getByLabel("Password (needed when you signed in more than 10 minutes ago)").fill(currentPassword);
  await page.getByRole("button", { name: "Download my data" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("perfect-match-export.json");
  const exported = JSON.stringify(JSON.parse(await readAll(file)));
  expect(exported).toContain(newEmail);
  expect(exported).toContain("Olga");

  // Signing out everywhere ends the session of another browser too.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInThroughTheApp(otherPage, newEmail, currentPassword);
  await expect(otherPage.getByRole("heading", { name: "Your profile" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await showsSignInSoon(otherPage);
  await other.close();

  // Deleting asks first, then the account is gone: signing in again fails.
  await signInThroughTheApp(page, newEmail, currentPassword);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByText("Are you sure? This cannot be undone.")).toBeVisible();
  await checkScreen(page, "account-delete");
  // With the password given, it is confirmed before the deletion (what a session signed in more
  // than ten minutes ago needs).
  const deletion = page.getByRole("region", { name: "Delete my account" });
  await deletion.getByLabel("Password (needed when you signed in more than 10 minutes ago)").fill(currentPassword);
  const confirmed = page.waitForResponse((r) => r.url().endsWith("/api/v1/me/reauthenticate") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Yes, delete my account for good" }).click();
  expect((await confirmed).status()).toBe(204);
  await expect(page.getByText("Your account was deleted. Goodbye!")).toBeVisible();
  await signInThroughTheApp(page, newEmail, currentPassword);
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("the account lists the signed-in devices, and one signs another out", async ({ page, browser }) => {
  const errors = consoleErrors(page);
  const email = uniqueEmail("devices");
  await signUpThroughTheApp(page, { email, firstName: "Dana", birthDate: "1990-04-04" });
  // A phone someone else holds: signed in with the same password, in a browser of its own.
  const phone = await browser.newContext({ userAgent: "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0" });
  const phonePage = await phone.newPage();
  await signInThroughTheApp(phonePage, email, PASSWORD);
  await expect(phonePage.getByRole("heading", { name: "Your profile" })).toBeVisible();

  await page.getByRole("link", { name: "Account" }).click();
  const devices = page.getByRole("region", { name: "Signed-in devices" });
  await expect(devices.getByRole("listitem")).toHaveCount(2);
  const mine = devices.getByRole("listitem").filter({ hasText: "Chrome on Linux" });
  await expect(mine).toContainText("(this device)");
  await expect(mine.getByRole("button")).toHaveCount(0);
  const theirs = devices.getByRole("listitem").filter({ hasText: "Firefox on Android" });
  await expect(theirs).toContainText("Signed in");
  await checkScreen(page, "account-devices");

  await theirs.getByRole("button", { name: "Sign this device out" }).click();
  await expect(devices.getByRole("listitem")).toHaveCount(1);
  await expect(devices.getByRole("listitem").filter({ hasText: "Chrome on Linux" })).toBeVisible();
  await showsSignInSoon(phonePage);
  await phone.close();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  expect(errors).toEqual([]);
});

/** The page, reloaded until it asks to sign in: its session ended (a server may trust a token it
 * resolved for PM_SESSION_CACHE_MS more). */
async function showsSignInSoon(page: import("@playwright/test").Page): Promise<void> {
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

async function readAll(file: import("@playwright/test").Download): Promise<string> {
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

test("a tab left open follows a sign-out and sign-in made in another tab, and never signs the next person out", async ({ browser, request }) => {
  const place = { label: "Bergen, Norway", latitude: 60.3913, longitude: 5.3221 };
  const ana = await completePerson(request, { firstName: "Ana", gender: "woman", seeking: "man", place });
  const ben = await completePerson(request, { firstName: "Ben", gender: "man", seeking: "woman", place });
  const context = await browser.newContext();
  const first = await context.newPage();
  const errors = consoleErrors(first);
  await signInThroughTheApp(first, ana.email, PASSWORD);
  await expect(first.locator(".who")).toHaveText("Ana");

  // The same browser, another tab: Ana signs out there, and Ben signs in.
  const second = await context.newPage();
  await second.goto("/");
  await expect(second.locator(".who")).toHaveText("Ana");
  await second.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(first.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await second.getByLabel("Email").fill(ben.email);
  await second.getByLabel("Password").fill(PASSWORD);
  await second.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(second.locator(".who")).toHaveText("Ben");

  // The first tab is Ben's now too, from a clean start; used again, it signs nobody out.
  await expect(first.locator(".who")).toHaveText("Ben");
  await first.getByRole("link", { name: "Chats" }).click();
  await expect(first.getByRole("heading", { name: "Chats" })).toBeVisible();
  await second.reload();
  await expect(second.locator(".who")).toHaveText("Ben");
  expect(errors).toEqual([]);
  await context.close();
});

test("a tab whose session ended leaves alone the session another tab keeps in the browser", async ({ page, request }) => {
  const place = { label: "Bergen, Norway", latitude: 60.3913, longitude: 5.3221 };
  const cleo = await completePerson(request, { firstName: "Cleo", gender: "woman", seeking: "man", place });
  const dan = await completePerson(request, { firstName: "Dan", gender: "man", seeking: "woman", place });
  await signInThroughTheApp(page, cleo.email, PASSWORD);
  await expect(page.locator(".who")).toHaveText("Cleo");
  const cleos = await page.evaluate(() => localStorage.getItem("pm.session"));
  // Dan's session stored by another tab (a tab is not told of its own writes, so this one goes on
  // as Cleo), then Cleo's session ends on the server.
  await page.evaluate((t) => localStorage.setItem("pm.session", t), dan.token);
  expect((await request.post("/api/v1/auth/logout", { headers: { Authorization: `Bearer ${cleos}` } })).ok()).toBeTruthy();
  // The tab learns it (its socket or its next call is refused) and ends its own session only.
  await expect(page.getByText("Your session has ended. Please sign in again.")).toBeVisible({ timeout: 30_000 });
  expect(await page.evaluate(() => localStorage.getItem("pm.session"))).toBe(dan.token);
});

test("the account lists the people one blocked, and unblocks one", async ({ page, request }) => {
  const errors = consoleErrors(page);
  const gil = await signedUpPerson(request, "Gil");
  const hal = await signedUpPerson(request, "Hal");
  const ivy = await signedUpPerson(request, "Ivy");
  // Public profiles, so Gil sees their names when he blocks them (as he would from a chat).
  for (const whom of [hal, ivy]) {
    await call(request, "PATCH", "/api/v1/me", whom.token, { profile_visibility: "public" });
    await call(request, "POST", `/api/v1/users/${whom.userId}/block`, gil.token);
  }
  await signInThroughTheApp(page, gil.email, PASSWORD);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.goto("/account");
  const blocked = page.getByRole("region", { name: "People you blocked" });
  await expect(blocked.getByRole("listitem")).toHaveText([/^Ivy \(blocked on /, /^Hal \(blocked on /]);
  await checkScreen(page, "account-blocked");
  await blocked.getByRole("button", { name: "Unblock Hal" }).click();
  await expect(blocked.getByText("You unblocked Hal. A conversation the block closed stays closed.")).toBeVisible();
  await expect(blocked.getByRole("listitem")).toHaveText([/^Ivy /]);
  const left = (await call(request, "GET", "/api/v1/me/blocks", gil.token)).blocks as { first_name: string }[];
  expect(left.map((b) => b.first_name)).toEqual(["Ivy"]);
  expect(errors).toEqual([]);
});
