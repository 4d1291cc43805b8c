// "It's a match": one announcement, whichever way the match became active. The other person's like
// arrives live (realtime.md `match.new`, to both people); one's own like back says so at once from
// its answer (announceMatch), and the frame that follows for it changes nothing. It is the
// signed-in person's: gone when they sign out (the next person at a shared computer signs in
// without a reload).
import { effect, signal } from "@preact/signals";
import { onFrame } from "./realtime";
import { api, ok, token } from "./session";

export const liveMatch = signal<{ conversation_id?: string; name?: string } | null>(null);

export function announceMatch(match: { conversation_id?: string; name?: string }): void {
  liveMatch.value = match;
}

effect(() => {
  if (!token.value) liveMatch.value = null;
});

onFrame((f) => {
  if (f.type !== "match.new") return;
  const n = f.notification as { content?: { conversation_id?: string; user_id?: string } } | undefined;
  const content = n?.content ?? {};
  // (the announcement one's own like made already names the person: kept as it is)
  if (liveMatch.value?.conversation_id === content.conversation_id && liveMatch.value?.name) return;
  liveMatch.value = { conversation_id: content.conversation_id };
  if (content.user_id)
    ok(api.GET("/api/v1/users/{user_id}", { params: { path: { user_id: content.user_id } } })).then(
      (p) => (liveMatch.value = { conversation_id: content.conversation_id, name: p.first_name }),
      () => undefined,
    );
});
