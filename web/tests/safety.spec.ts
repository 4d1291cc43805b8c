// Two matched people (set up once through the API): the notification bell and list, live; then
// report and block from the chat, which closes it on both screens. Serial: the block ends the pair.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { completePerson, consoleErrors, like, matchBetween, PASSWORD, signInThroughTheApp, type Person } from "./helpers";
import { checkScreen } from "./screens";

const OSLO = { label: "Oslo, Norway", latitude: 59.9139, longitude: 10.7522 };

test.describe.serial("two matched people", () => {
  let cleo: Person;
  let dan: Person;
  let conversationId: string;

  test.beforeAll(async ({ request }) => {
    test.setTimeout(180_000);
    cleo = await completePerson(request, { firstName: "Cleo", gender: "woman", seeking: "man", place: OSLO });
    dan = await completePerson(request, { firstName: "Dan", gender: "man", seeking: "woman", place: OSLO });
    const matchId = await matchBetween(request, cleo, dan);
    await like(request, cleo, matchId);
    const active = await like(request, dan, matchId);
    conversationId = active.conversation_id as string;
    expect(conversationId).toBeTruthy();
    // Start from nothing unread, so the count the bell shows is the one this test causes.
    await request.post("/api/v1/notifications/read-all", { headers: { Authorization: `Bearer ${cleo.token}` } });
  });

  async function sendAsDan(page: Page, text: string): Promise<void> {
    const res = await page.request.post(`/api/v1/conversations/${conversationId}/messages`, {
      headers: { Authorization: `Bearer ${dan.token}` },
      data: { client_message_id: crypto.randomUUID(), message_type: "text", content: text },
    });
    expect(res.ok(), await res.text()).toBeTruthy();
  }

  test("the bell counts new notifications live; the list opens them, marks them read, and the settings stick", async ({ page }) => {
    const errors = consoleErrors(page);
    await signInThroughTheApp(page, cleo.email, PASSWORD);
    await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-realtime", "ready");
    await expect(page.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();

    await sendAsDan(page, "Hej Cleo! Fjord walk on Sunday?");
    await expect(page.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
    await page.getByRole("link", { name: "Notifications, 1 unread" }).click();
    await expect(page.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: /New message: Hej Cleo! Fjord walk on Sunday\?/ })).toBeVisible();
    await checkScreen(page, "notifications");

    // A second message while the first is unread updates the same notification, live.
    await sendAsDan(page, "Or coffee, if it rains.");
    await expect(page.getByRole("link", { name: /New message \(2 messages\): Or coffee, if it rains\./ })).toBeVisible();
    await page.getByRole("button", { name: "Mark all as read" }).click();
    await expect(page.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Mark as read" })).toHaveCount(0);

    // Per-type settings: turned off, saved, still off after a reload. What to be told about and how
    // are apart; a change in one does not undo one just made in the other (each sends its own box).
    const how = page.getByRole("region", { name: "How you are told" });
    await how.getByLabel("Also by email").uncheck();
    await expect(how.getByText("Saved.")).toBeVisible();
    await page.getByRole("region", { name: "What to be told about" }).getByLabel("Likes").uncheck();
    await expect(page.getByRole("region", { name: "What to be told about" }).getByText("Saved.")).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Likes")).not.toBeChecked();
    await expect(page.getByLabel("Also by email")).not.toBeChecked();
    await expect(page.getByLabel("New messages")).toBeChecked();
    expect(errors).toEqual([]);
  });

  test("a dropped connection resumes the chat with nothing lost or doubled", async ({ browser }) => {
    const [cleoPage, closeCleo] = await openChat(browser, cleo);
    const [danPage, closeDan] = await openChat(browser, dan);
    const errors = [...consoleErrors(cleoPage), ...consoleErrors(danPage)];
    await danPage.context().setOffline(true);
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "offline");
    await expect(danPage.getByText("Reconnecting…")).toBeVisible();
    for (const text of ["One: are you there?", "Two: the fjord is frozen.", "Three: skating instead?"]) {
      await cleoPage.getByLabel("Message").fill(text);
      await cleoPage.getByRole("button", { name: "Send" }).click();
      await expect(cleoPage.locator("ol.messages li.mine").last()).toContainText(text);
    }
    await danPage.context().setOffline(false);
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "ready", { timeout: 30_000 });
    await expect(danPage.locator("ol.messages li.theirs")).toHaveText([/^Cleo: One: are you there\?/, /^Cleo: Two: the fjord is frozen\./, /^Cleo: Three: skating instead\?/]);
    // Nothing more arrives later (a resume that doubled would add them again).
    await danPage.waitForTimeout(1_000);
    await expect(danPage.locator("ol.messages li.theirs")).toHaveCount(3);

    // Dan reads a message while Cleo's connection is down: the receipt's push is lost, and her
    // screen learns of it when she is back.
    await danPage.context().setOffline(true);
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "offline");
    await cleoPage.getByLabel("Message").fill("Four: bring the skates.");
    await cleoPage.getByRole("button", { name: "Send" }).click();
    const four = cleoPage.locator("ol.messages li.mine").last();
    await expect(four).toContainText("Four: bring the skates.");
    await cleoPage.context().setOffline(true);
    await expect(cleoPage.locator("html")).toHaveAttribute("data-realtime", "offline");
    await danPage.context().setOffline(false);
    await expect(danPage.locator("ol.messages li.theirs").last()).toContainText("Four: bring the skates.", { timeout: 30_000 });
    await expect
      .poll(async () => {
        const res = await danPage.request.get(`/api/v1/conversations/${conversationId}/messages`, {
          headers: { Authorization: `Bearer ${dan.token}` },
        });
        return ((await res.json()).messages as { content?: string; read_at?: string | null }[]).find((m) => m.content === "Four: bring the skates.")?.read_at ?? null;
      })
      .not.toBeNull();
    await expect(four).not.toContainText("Read");
    await cleoPage.context().setOffline(false);
    await expect(cleoPage.locator("html")).toHaveAttribute("data-realtime", "ready", { timeout: 30_000 });
    await expect(four).toContainText("Read");
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    await closeCleo();
    await closeDan();
  });

  test("a long absence resumes every message, however many the server's first answer could hold", async ({ browser }) => {
    test.setTimeout(120_000);
    const [danPage, closeDan] = await openChat(browser, dan);
    const errors = consoleErrors(danPage);
    await danPage.context().setOffline(true);
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "offline");
    // 190 messages while Dan's tab is away (Cleo's, and Dan's own from his phone): more than one
    // resume answers (128) plus the newest page the screen reads again (50), so the tab sees the
    // middle ones only if it asks again where the first resume stopped.
    const sent: string[] = [];
    for (const [who, count, words] of [
      [cleo, 100, "Long absence"],
      [dan, 90, "From my phone"],
    ] as const) {
      for (let i = 1; i <= count; i++) {
        const text = `${words} ${i}.`;
        const res = await danPage.request.post(`/api/v1/conversations/${conversationId}/messages`, {
          headers: { Authorization: `Bearer ${who.token}` },
          data: { client_message_id: crypto.randomUUID(), message_type: "text", content: text },
        });
        expect(res.ok(), await res.text()).toBeTruthy();
        sent.push(text);
      }
    }
    await danPage.context().setOffline(false);
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "ready", { timeout: 30_000 });
    const missing = async () => {
      const shown = (await danPage.locator("ol.messages li").allTextContents()).join("\n");
      return sent.filter((text) => !shown.includes(text)); // "... 1." is in no "... 10.": the period ends each
    };
    await expect.poll(missing, { timeout: 30_000 }).toEqual([]);
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    await closeDan();
  });

  test("a connection that drops and comes back at once is offline until the new one is ready, and a message sent meanwhile arrives", async ({ browser }) => {
    const [danPage, closeDan] = await openChat(browser, dan);
    const errors = consoleErrors(danPage);
    // The next socket reaches the server, but its answers are held back (its `ready` too) until
    // the test lets them through: the moment between a new socket and its `ready`, made long.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    await danPage.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage(async (message) => {
        await released;
        ws.send(message);
      });
    });
    // The browser says offline, then online, before the closing socket has closed.
    await danPage.evaluate(() => {
      window.dispatchEvent(new Event("offline"));
      window.dispatchEvent(new Event("online"));
    });
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "offline");
    await expect(danPage.getByText("Reconnecting…")).toBeVisible();
    const text = "Back in the tunnel's other end: still on for Sunday?";
    await danPage.getByLabel("Message").fill(text);
    await danPage.getByRole("button", { name: "Send" }).click();
    await expect(danPage.locator("ol.messages li.mine").last()).toContainText(text);
    await expect(danPage.getByRole("alert")).toHaveCount(0);
    release();
    await expect(danPage.locator("html")).toHaveAttribute("data-realtime", "ready");
    await expect(danPage.locator("ol.messages li.mine").filter({ hasText: text })).toHaveCount(1);
    expect(errors).toEqual([]);
    await closeDan();
  });

  test("a message whose answer was lost is one message when sent again", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = consoleErrors(page);
    // No socket for this tab (refused here, in the browser): it sends over REST.
    await page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => ws.close());
    await signInThroughTheApp(page, cleo.email, PASSWORD);
    await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
    await page.goto(`/chats/${conversationId}`);
    await expect(page.getByLabel("Message")).toBeVisible();
    const text = "Did this one arrive? The bus was in a tunnel.";
    // The server stores it, and its answer never reaches the browser.
    let stored = 0;
    await page.route(`**/api/v1/conversations/${conversationId}/messages`, async (route) => {
      if (route.request().method() !== "POST" || stored > 0) return route.fallback();
      await route.fetch();
      stored++;
      await route.abort("connectionreset");
    });
    await page.getByLabel("Message").fill(text);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByRole("alert")).toHaveText("The server cannot be reached. Check your connection and try again.");
    await expect(page.getByLabel("Message"), "the words are given back to send again").toHaveValue(text);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.locator("ol.messages li.mine").last()).toContainText(text);
    const res = await page.request.get(`/api/v1/conversations/${conversationId}/messages?limit=200`, {
      headers: { Authorization: `Bearer ${dan.token}` },
    });
    const same = ((await res.json()).messages as { content?: string }[]).filter((m) => m.content === text);
    expect(same, "Dan got it once").toHaveLength(1);
    expect(errors.filter((e) => !/ERR_CONNECTION_RESET|WebSocket/.test(e))).toEqual([]);
    await context.close();
  });

  test("read receipts turned off on the account screen: Cleo's screen never says Dan read hers; turned on again, his next read is told", async ({ browser }) => {
    const [cleoPage, closeCleo] = await openChat(browser, cleo);
    const [danPage, closeDan] = await openChat(browser, dan);
    const errors = [...consoleErrors(cleoPage), ...consoleErrors(danPage)];
    const account = await danPage.context().newPage();
    await account.goto("/account");
    const setting = account.getByLabel("Show when I've read a message and when I'm typing (off: I don't see theirs either)");
    await expect(setting).toBeChecked();
    await setting.uncheck();
    await expect(account.getByRole("region", { name: "Privacy" }).getByText("Saved.")).toBeVisible();
    await account.close();

    await cleoPage.getByLabel("Message").fill("Five: did you read this?");
    await cleoPage.getByRole("button", { name: "Send" }).click();
    const five = cleoPage.locator("ol.messages li.mine").last();
    await expect(five).toContainText("Five: did you read this?");
    await expect(danPage.locator("ol.messages li.theirs").last()).toContainText("Five: did you read this?");
    // Dan's screen read it (nothing unread for him), and then he answers: had a receipt gone to
    // Cleo, it would have reached her before his answer.
    await expect
      .poll(async () => {
        const res = await danPage.request.get("/api/v1/conversations", { headers: { Authorization: `Bearer ${dan.token}` } });
        return ((await res.json()).conversations as { conversation_id: string; unread_count: number }[]).find((c) => c.conversation_id === conversationId)?.unread_count;
      })
      .toBe(0);
    await danPage.getByLabel("Message").fill("Six: I did.");
    await danPage.getByRole("button", { name: "Send" }).click();
    await expect(cleoPage.locator("ol.messages li.theirs").last()).toContainText("Six: I did.");
    await expect(five).not.toContainText("Read");
    await cleoPage.reload();
    await expect(cleoPage.locator("ol.messages li.mine", { hasText: "Five: did you read this?" })).not.toContainText("Read");

    const res = await danPage.request.put("/api/v1/me/preferences", {
      headers: { Authorization: `Bearer ${dan.token}` },
      data: { privacy_settings: { read_receipts: true } },
    });
    expect(res.ok(), await res.text()).toBeTruthy();
    // What he reads now is told, live.
    await cleoPage.getByLabel("Message").fill("Seven: and this one?");
    await cleoPage.getByRole("button", { name: "Send" }).click();
    await expect(danPage.locator("ol.messages li.theirs").last()).toContainText("Seven: and this one?");
    await expect(cleoPage.locator("ol.messages li.mine").last()).toContainText("Read");
    await cleoPage.reload();
    await expect(cleoPage.locator("ol.messages li.mine", { hasText: "Seven: and this one?" })).toContainText("Read");
    // (Five is read by now, as every message before Seven: said without a time, as "Read" always is.)
    await expect(cleoPage.locator("ol.messages li.mine", { hasText: "Five: did you read this?" })).toContainText("Read");
    expect(errors).toEqual([]);
    await closeCleo();
    await closeDan();
  });

  test("a report is accepted, and a block closes the chat on both screens", async ({ browser }) => {
    const [cleoPage, closeCleo] = await openChat(browser, cleo);
    const [danPage, closeDan] = await openChat(browser, dan);
    const errors = [...consoleErrors(cleoPage), ...consoleErrors(danPage)];

    await cleoPage.getByRole("button", { name: "Report" }).click();
    const report = cleoPage.getByRole("form", { name: "Report Dan" });
    // No reason is chosen for her: sent as it is, the form asks for one first.
    await expect(report.getByLabel("What is wrong?")).toHaveValue("");
    await report.getByRole("button", { name: "Send the report" }).click();
    await expect(report.getByLabel("What is wrong?")).toBeFocused();
    await report.getByLabel("What is wrong?").selectOption("spam");
    await report.getByLabel("What happened (optional)").fill("Sends the same link to everyone.");
    await checkScreen(cleoPage, "chat-report");
    await report.getByRole("button", { name: "Send the report" }).click();
    await expect(cleoPage.getByText("Thank you. Your report was sent to our moderators.")).toBeVisible();

    await cleoPage.getByRole("button", { name: "Block" }).click();
    await expect(cleoPage.getByText("Block Dan? Neither of you will see the other again")).toBeVisible();
    await cleoPage.getByRole("button", { name: "Yes, do it" }).click();
    // Dan is not told he was blocked: for him the match ended, as when someone unmatches.
    for (const [page, words] of [
      [cleoPage, "This conversation is closed: you blocked them."],
      [danPage, "This conversation is closed: the match was ended."],
    ] as const) {
      await expect(page.getByText(words)).toBeVisible();
      await expect(page.getByLabel("Message")).toHaveCount(0);
    }
    await checkScreen(danPage, "chat-closed");
    expect(errors).toEqual([]);
    await closeCleo();
    await closeDan();
  });

  async function openChat(browser: Browser, who: Person): Promise<[Page, () => Promise<void>]> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInThroughTheApp(page, who.email, PASSWORD);
    await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
    await page.goto(`/chats/${conversationId}`);
    await expect(page.getByLabel("Message")).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-realtime", "ready");
    return [page, () => context.close()];
  }
});
