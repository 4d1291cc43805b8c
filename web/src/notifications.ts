// The unread count behind the bell: read from the API when the session starts, and again whenever
// the socket says something was recorded (docs/realtime.md: `notification.new`, `match.new`) or
// comes back after a drop (frames may have been missed meanwhile).
import { effect, signal } from "@preact/signals";
import { connected, onFrame } from "./realtime";
import { api, ok, token } from "./session";

export const unreadCount = signal(0);

export async function refreshUnread(): Promise<void> {
  if (!token.value) return;
  try {
    const page = await ok(api.GET("/api/v1/notifications", { params: { query: { unread: true, limit: 1 } } }));
    unreadCount.value = page.unread_count;
  } catch {
    // The bell keeps its last count; the notifications screen shows the problem in words.
  }
}

effect(() => {
  if (token.value && connected.value) void refreshUnread();
  if (!token.value) unreadCount.value = 0;
});

onFrame((f) => {
  if (f.type === "notification.new" || f.type === "match.new") void refreshUnread();
});
