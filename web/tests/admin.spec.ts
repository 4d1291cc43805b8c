// The staff console (/admin, docs/admin.md): a person reports another from the chat; an admin sees
// the report with the reported messages and suspends the reported person, whose open browser is
// signed out at once and whose next sign-in is refused in words. Then the decisions, the user
// lookup (and a plan given from it) and the feature flags; a person who is not staff is refused in
// words and has no link to the console; a moderator sees the flags and giving a plan refused; every
// section passes axe and fits 375 px. Last, the other actions, each on a report filed through the
// API: remove a photo, dismiss, warn, ban.
import { readFileSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { call, completePerson, consoleErrors, like, matchBetween, PASSWORD, signedUpPerson, signInThroughTheApp, STAFF, type Person } from "./helpers";
import { mailWith } from "./mail";
import { checkScreen } from "./screens";

const REYKJAVIK = { label: "Reykjavik, Iceland", latitude: 64.1466, longitude: -21.9426 };

async function open(browser: Browser, email: string, password: string, landing: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInThroughTheApp(page, email, password);
  await expect(page.getByRole("heading", { name: landing })).toBeVisible();
  return page;
}

test("a report from the chat reaches the console, and a suspension signs the reported person out", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const eve: Person = await completePerson(request, { firstName: "Eve", gender: "woman", seeking: "man", place: REYKJAVIK });
  const finn: Person = await completePerson(request, { firstName: "Finn", gender: "man", seeking: "woman", place: REYKJAVIK });
  const matchId = await matchBetween(request, eve, finn);
  await like(request, eve, matchId);
  const conversationId = (await like(request, finn, matchId)).conversation_id as string;
  const rude = "Send me your bank details or else.";
  const sent = await request.post(`/api/v1/conversations/${conversationId}/messages`, {
    headers: { Authorization: `Bearer ${finn.token}` },
    data: { client_message_id: crypto.randomUUID(), message_type: "text", content: rude },
  });
  expect(sent.ok(), await sent.text()).toBeTruthy();

  // Finn's browser stays open on the chat (its socket ready) while staff decide.
  const finnPage = await open(browser, finn.email, PASSWORD, "Matches");
  await finnPage.goto(`/chats/${conversationId}`);
  await expect(finnPage.locator("html")).toHaveAttribute("data-realtime", "ready");

  // Eve reports Finn from the chat.
  const evePage = await open(browser, eve.email, PASSWORD, "Matches");
  const errors = [...consoleErrors(evePage), ...consoleErrors(finnPage)];
  await evePage.goto(`/chats/${conversationId}`);
  await expect(evePage.getByText(rude)).toBeVisible();
  await evePage.getByRole("button", { name: "Report" }).click();
  const form = evePage.getByRole("form", { name: "Report Finn" });
  await form.getByLabel("What is wrong?").selectOption("harassment");
  await form.getByLabel("What happened (optional)").fill("Threatening me for money.");
  await form.getByRole("button", { name: "Send the report" }).click();
  await expect(evePage.getByText("Thank you. Your report was sent to our moderators.")).toBeVisible();

  // Eve is not staff: the API refuses her, and the console says so in words.
  const refused = await request.get("/api/v1/admin/reports", { headers: { Authorization: `Bearer ${eve.token}` } });
  expect(refused.status()).toBe(403);
  await evePage.goto("/admin");
  await expect(evePage.getByRole("alert")).toHaveText(/Not allowed: this console is only for Perfect Match staff/);
  await expect(evePage.getByRole("navigation", { name: "Staff console sections" })).toHaveCount(0);
  // ... and her navigation has no way there (the same answer decides it).
  await expect(evePage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Staff console" })).toHaveCount(0);
  await checkScreen(evePage, "admin-not-allowed");

  // The admin finds the report in the queue, with what Finn wrote.
  const staff = await open(browser, STAFF.admin, STAFF.password, "Matches");
  errors.push(...consoleErrors(staff));
  await staff.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Staff console" }).click();
  await expect(staff.getByRole("heading", { name: "Staff console" })).toBeVisible();
  const entry = staff.getByRole("listitem").filter({ hasText: "Threatening me for money." });
  await expect(entry).toBeVisible();
  await checkScreen(staff, "admin-queue");
  await entry.getByRole("link", { name: /Open the report about Finn: Harassment/ }).click();
  await expect(staff.getByRole("heading", { name: "Report about Finn" })).toBeVisible();
  const messages = staff.getByRole("region", { name: "Their conversation with the reporter" });
  await expect(messages.getByRole("listitem").filter({ hasText: rude })).toContainText("Finn:");
  await checkScreen(staff, "admin-report");

  // Suspended for 3 days: Finn's open browser is signed out, in words, without a reload.
  await staff.getByLabel("Days of suspension").fill("3");
  await staff.getByLabel(/^Note/).fill("Threats for money in the chat.");
  await staff.getByRole("button", { name: "Suspend" }).click();
  await expect(staff.getByText("Suspended: every session of the account has ended.")).toBeVisible();
  await expect(staff.getByText(/^Decided: Suspend/)).toBeVisible();
  await expect(staff.getByRole("button", { name: "Suspend" })).toHaveCount(0);
  await expect(finnPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(finnPage.getByText("Your session has ended. Please sign in again.")).toBeVisible();
  await finnPage.getByLabel("Email").fill(finn.email);
  await finnPage.getByLabel("Password").fill(PASSWORD);
  await finnPage.getByRole("button", { name: "Sign in", exact: true }).click();
  // In words and local time, not the server's UTC timestamp.
  await expect(finnPage.getByRole("alert")).toHaveText(/^This account is suspended until [A-Z][a-z]+ \d{1,2}, \d{4}/);
  await expect(finnPage.getByRole("alert")).not.toContainText(/\dT\d/);

  // The decision is in the trail; the lookup shows the suspension.
  await staff.getByRole("link", { name: "Decisions" }).click();
  await expect(staff.getByRole("link", { name: /^Decided: Suspend/ }).first()).toBeVisible();
  // Who was decided about, and by whom, as names: the admin's own first name, not an id.
  const adminName = (await call(request, "GET", "/api/v1/me", (await call(request, "POST", "/api/v1/auth/login", undefined, { email: STAFF.admin, password: STAFF.password })).token as string)).first_name as string;
  await expect(staff.getByRole("listitem").filter({ hasText: "about Finn" }).first()).toContainText(`Reason: Harassment · by ${adminName}`);
  await checkScreen(staff, "admin-decisions");
  await staff.getByRole("link", { name: "User lookup" }).click();
  await staff.getByLabel("Email address").fill(finn.email);
  await staff.getByRole("button", { name: "Look up" }).click();
  const facts = staff.getByRole("definition");
  await expect(facts.first()).toHaveText("Finn");
  await expect(staff.locator("dt:text-is('Suspended until') + dd")).not.toHaveText("none");
  await expect(staff.locator("dt:text-is('People whose report is still open') + dd")).toHaveText("0");
  await checkScreen(staff, "admin-lookup");

  // An admin gives Finn a plan without payment: the lookup, read again, shows it.
  await expect(staff.locator("dt:text-is('Plan') + dd")).toHaveText("free");
  const grant = staff.getByRole("region", { name: "Give Finn a plan" });
  await grant.getByLabel("Plan").selectOption("premium");
  await grant.getByLabel("Days").fill("30");
  await grant.getByRole("button", { name: "Give the plan" }).click();
  await expect(grant.getByText("Done: premium for 30 days.")).toBeVisible();
  await expect(staff.locator("dt:text-is('Plan') + dd")).toHaveText("premium");

  // ... and reads Finn's audit trail: the plan just given (by staff) and the suspension are in it.
  const trail = staff.getByRole("region", { name: "Audit trail of Finn" });
  await trail.getByRole("button", { name: "Show the audit trail" }).click();
  const entries = trail.getByRole("list", { name: "Audit trail of Finn" }).getByRole("listitem");
  await expect(entries.filter({ hasText: "plan_granted" })).toHaveCount(1);
  await expect(entries.filter({ hasText: "plan_granted" })).toContainText(/by [0-9a-f]{8}…/);
  await expect(entries.filter({ hasText: "user_suspended" })).toHaveCount(1);
  await checkScreen(staff, "admin-audit-trail");

  // Feature flags: a switch turned off stays off after a reload, then back on (other tests use it).
  await staff.getByRole("link", { name: "Feature flags" }).click();
  const rewind = staff.getByRole("checkbox", { name: "rewind" });
  await expect(rewind).toBeChecked();
  await checkScreen(staff, "admin-flags");
  await rewind.click();
  await expect(staff.getByText("rewind is now off.")).toBeVisible();
  await staff.reload();
  await expect(staff.getByRole("checkbox", { name: "rewind" })).not.toBeChecked();
  await staff.getByRole("checkbox", { name: "rewind" }).click();
  await expect(staff.getByText("rewind is now on.")).toBeVisible();

  // Every section at 375 px: nothing scrolls sideways, axe passes.
  await staff.setViewportSize({ width: 375, height: 740 });
  for (const [name, path, heading] of [
    ["admin-queue", "/admin", "Reports"],
    ["admin-decisions", "/admin/decisions", "Decisions"],
    ["admin-lookup", "/admin/users", "User lookup"],
    ["admin-flags", "/admin/flags", "Feature flags"],
  ] as const) {
    await staff.goto(path);
    await expect(staff.getByRole("heading", { name: heading, level: 2 })).toBeVisible();
    await expect(staff.getByRole("status").filter({ hasText: "Loading…" })).toHaveCount(0);
    const overflow = await staff.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(0);
    await checkScreen(staff, `${name}-375`);
  }
  await staff.getByRole("link", { name: "Decisions" }).click();
  await staff.getByRole("link", { name: /^Decided: Suspend/ }).first().click();
  await expect(staff.getByRole("heading", { name: "Report about Finn" })).toBeVisible();
  expect(await staff.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await checkScreen(staff, "admin-report-375");
  expect(errors).toEqual([]);
  for (const p of [evePage, finnPage, staff]) await p.context().close();
});

test("a moderator has the queue but not the feature flags, which the console says in words", async ({ page }) => {
  const errors = consoleErrors(page);
  await signInThroughTheApp(page, STAFF.moderator, STAFF.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Staff console" }).click();
  await expect(page.getByRole("heading", { name: "Reports", level: 2 })).toBeVisible();
  await page.getByRole("link", { name: "Feature flags" }).click();
  await expect(page.getByRole("alert")).toContainText(/admin/i);
  // Giving a plan is an admin's: the API refuses the moderator, and the console says so.
  await page.getByRole("link", { name: "User lookup" }).click();
  await page.getByLabel("Email address").fill(STAFF.admin);
  await page.getByRole("button", { name: "Look up" }).click();
  const grant = page.getByRole("region", { name: /^Give .* a plan$/ });
  await grant.getByRole("button", { name: "Give the plan" }).click();
  await expect(grant.getByRole("alert")).toContainText(/admin/i);
  expect(errors).toEqual([]);
});

test("each other action on a report: remove a photo, dismiss, warn (mailed with the note), ban (after a confirmation)", async ({ page, request }) => {
  test.setTimeout(120_000);
  const errors = consoleErrors(page);
  const reporter = await signedUpPerson(request, "Rita");
  const target = await signedUpPerson(request, "Tom");
  const auth = (who: Person) => ({ Authorization: `Bearer ${who.token}` });
  const upload = await request.post("/api/v1/me/media", {
    headers: { ...auth(target), "Content-Type": "image/jpeg" },
    data: readFileSync("tests/fixtures/sunset.jpg"),
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const reports: string[] = [];
  for (const reason of ["inappropriate_content", "spam", "harassment", "scam"]) {
    const r = await request.post(`/api/v1/users/${target.userId}/report`, { headers: auth(reporter), data: { reason, details: `About ${reason}.` } });
    expect(r.status(), await r.text()).toBe(201);
    reports.push((await r.json()).report_id);
  }
  await signInThroughTheApp(page, STAFF.admin, STAFF.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  const openReport = async (id: string) => {
    await page.goto(`/admin/reports/${id}`);
    await expect(page.getByRole("heading", { name: "Report about Tom" })).toBeVisible();
  };

  await openReport(reports[0]!);
  await expect(page.getByRole("img", { name: "Reported person's photo 1" })).toBeVisible();
  await page.getByRole("button", { name: "Remove photo 1" }).click();
  await expect(page.getByText("The photo was removed.")).toBeVisible();
  await expect(page.getByText("No photos.")).toBeVisible();
  const mine = await request.get("/api/v1/me", { headers: auth(target) });
  expect((await mine.json()).photos ?? []).toEqual([]);

  await openReport(reports[1]!);
  await page.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByText("Dismissed: nothing happens to the account.")).toBeVisible();
  await expect(page.getByText("Status: dismissed")).toBeVisible();

  await openReport(reports[2]!);
  await page.getByLabel(/^Note/).fill("Please keep it friendly.");
  await page.getByRole("button", { name: "Warn" }).click();
  await expect(page.getByText("Warned: the person was mailed.")).toBeVisible();
  await mailWith(target.email, "Please keep it friendly.");

  await openReport(reports[3]!);
  await page.getByRole("button", { name: "Ban" }).click();
  const confirm = page.getByRole("group", { name: /^Ban Tom for good\?/ });
  await checkScreen(page, "admin-ban-confirm");
  await confirm.getByRole("button", { name: "Yes, do it" }).click();
  await expect(page.getByText("Banned: the account is closed and its address cannot sign up again.")).toBeVisible();
  const signIn = await request.post("/api/v1/auth/login", { data: { email: target.email, password: PASSWORD } });
  expect(signIn.status()).toBe(403);
  expect(errors).toEqual([]);
});
