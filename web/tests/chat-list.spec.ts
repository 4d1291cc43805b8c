// The conversation list past its first page (20): "More conversations" shows the rest, and a new
// message, which reloads the list, keeps everything shown in place instead of going back to the
// first page. Set up through the API: one person matched with 21 others in a place of their own.
import { expect, test } from "@playwright/test";
import { completePerson, consoleErrors, like, matchBetween, PASSWORD, signInThroughTheApp, type Person } from "./helpers";

const TROMSO = { label: "Tromsø, Norway", latitude: 69.6492, longitude: 18.9553 };
const OTHERS = 21;

test("the list pages on, and a new message does not send it back to its first page", async ({ page, request }) => {
  test.setTimeout(300_000);
  const errors = consoleErrors(page);
  const ida = await completePerson(request, { firstName: "Ida", gender: "non_binary", seeking: "everyone", place: TROMSO });
  // Made side by side: answering the questionnaire, one by one, is most of this test's time.
  const others: Person[] = await Promise.all(
    Array.from({ length: OTHERS }, (_, i) =>
      completePerson(request, { firstName: `Pal${i}`, gender: "non_binary", seeking: "everyone", place: TROMSO }),
    ),
  );
  const conversations: string[] = [];
  for (const other of others) {
    const matchId = await matchBetween(request, ida, other);
    await like(request, ida, matchId);
    const active = await like(request, other, matchId);
    expect(active.conversation_id).toBeTruthy();
    conversations.push(active.conversation_id as string);
  }

  await signInThroughTheApp(page, ida.email, PASSWORD);
  await expect(page.locator("html")).toHaveAttribute("data-realtime", "ready");
  await page.getByRole("link", { name: "Chats" }).click();
  const rows = page.locator("ul.conversations > li");
  await expect(rows).toHaveCount(20);
  await page.getByRole("button", { name: "More conversations" }).click();
  await expect(rows).toHaveCount(OTHERS);
  await expect(page.getByRole("button", { name: "More conversations" })).toHaveCount(0);

  // The first of them to match has the oldest conversation, at the bottom: a message from them
  // lifts it to the top, live, and the list still shows all 21.
  const res = await request.post(`/api/v1/conversations/${conversations[0]}/messages`, {
    headers: { Authorization: `Bearer ${others[0].token}` },
    data: { client_message_id: crypto.randomUUID(), message_type: "text", content: "Northern lights tonight?" },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  await expect(rows.first()).toContainText("Northern lights tonight?");
  await expect(rows.first().locator("time"), "when, beside it").toHaveAttribute("datetime", /T/);
  await expect(rows).toHaveCount(OTHERS);
  await expect(page.getByRole("button", { name: "More conversations" })).toHaveCount(0);
  // Her own last word is marked as hers.
  await page.getByRole("link", { name: /Pal0/ }).click();
  await page.getByLabel("Message").fill("Yes! Bring a thermos.");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.locator("ol.messages li.mine")).toContainText("Yes! Bring a thermos.");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chats" }).click();
  await expect(rows.first()).toContainText("You: Yes! Bring a thermos.");
  expect(errors).toEqual([]);
});
