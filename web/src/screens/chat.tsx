// Chat: the conversations, and one conversation live over the WebSocket (src/realtime.ts): history
// from REST, new messages as events (ordered by seq, each once), sending with a client message id
// (a retry never doubles a message), typing, read receipts, reactions, photos and deleting one's own
// message (each seen live by the other person).
import { useEffect, useRef, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { connected, newId, noteSeq, onFrame, request } from "../realtime";
import { api, errorText, imageUpload, me, ok } from "../session";
import { t } from "../strings";
import { Confirm, ErrorBox, Field, InPlace, Link, Notice, Pending, SentAt, useRun } from "../ui";
import { ChatSafety } from "./chat-safety";

type Message = Schemas["Message"];
type Conversation = NonNullable<Schemas["ConversationPage"]["conversations"]>[number];

export function ChatsScreen() {
  const [list, setList] = useState<Conversation[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // How many conversations are shown: a reload reads as many again, so someone who paged on with
  // "More conversations" is not sent back to the first page by every new message.
  const shown = useRef(0);
  useEffect(() => {
    const load = async () => {
      const read: Conversation[] = [];
      let cursor: string | undefined;
      try {
        do {
          const limit = Math.min(100, Math.max(20, shown.current - read.length));
          const p = await ok(api.GET("/api/v1/conversations", { params: { query: { limit, cursor } } }));
          read.push(...(p.conversations ?? []));
          cursor = p.next_cursor ?? undefined;
        } while (cursor && read.length < shown.current);
        shown.current = read.length;
        setList(read);
        setNext(cursor ?? null);
        setError(null);
      } catch (e) {
        setError(errorText(e));
      }
    };
    void load();
    // A resume after a reconnect replays many messages at once: the list is read again once they
    // have come, not once each.
    let reload: number | undefined;
    const off = onFrame((f) => {
      if (f.type !== "message.new" && f.type !== "match.new" && f.type !== "conversation.closed") return;
      window.clearTimeout(reload);
      reload = window.setTimeout(() => void load(), 300);
    });
    return () => {
      off();
      window.clearTimeout(reload);
    };
  }, []);
  const [loadingMore, setLoadingMore] = useState(false);
  const more = () => {
    if (!next || loadingMore) return;
    setLoadingMore(true);
    ok(api.GET("/api/v1/conversations", { params: { query: { cursor: next } } }))
      .then(
        (p) => {
          // Each once: a reload of the first page may have come meanwhile.
          setList((l) => {
            const seen = new Set((l ?? []).map((c) => c.conversation_id));
            const all = [...(l ?? []), ...(p.conversations ?? []).filter((c) => !seen.has(c.conversation_id))];
            shown.current = all.length;
            return all;
          });
          setNext(p.next_cursor ?? null);
          setError(null);
        },
        (e) => setError(errorText(e)),
      )
      .finally(() => setLoadingMore(false));
  };
  if (!list) return <Pending error={error} />;
  return (
    <main>
      <h1>{t.chats}</h1>
      {list.length === 0 ? (
        <p>{t.noChats}</p>
      ) : (
        <ul class="conversations">
          {list.map((c) => (
            <li key={c.conversation_id}>
              <Link href={`/chats/${c.conversation_id}`} class="conversation">
                <strong>{c.user?.first_name}</strong>
                {c.unread_count ? <span class="badge unread">{t.unread(c.unread_count)}</span> : null}
                <span class="muted preview">
                  {c.last_message && c.last_message.sender_id === me.value?.user_id ? `${t.you}: ` : ""}
                  {preview(c.last_message)}
                </span>
                <SentAt at={c.last_message ? c.last_message_at : undefined} class="muted when" />
              </Link>
            </li>
          ))}
        </ul>
      )}
      {error && <ErrorBox error={error} />}
      {next && (
        <button type="button" disabled={loadingMore} onClick={more}>
          {t.moreChats}
        </button>
      )}
    </main>
  );
}

function preview(m: Conversation["last_message"]): string {
  if (!m) return "";
  if (m.deleted) return t.messageDeleted;
  return m.text || (m.message_type === "image" ? t.imageMessage : "");
}

const newestPage = (id: string) =>
  ok(api.GET("/api/v1/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } } }));

function merge(list: Message[], more: Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.message_id, m]));
  for (const m of more) byId.set(m.message_id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function ConversationScreen(props: { id: string }) {
  const id = props.id;
  const myId = me.value?.user_id;
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [other, setOther] = useState<string>("");
  const [peer, setPeer] = useState<{ matchId?: string; userId?: string }>({});
  const [closed, setClosed] = useState(false);
  const [closeReason, setCloseReason] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [typing, setTyping] = useState(false);
  // The other's newest message as read out (its id: a deletion takes its words away here too).
  const [heard, setHeard] = useState<{ id: string; text: string } | null>(null);
  // The name as the socket's handler sees it (set once the conversation is read).
  const otherName = useRef("");
  const [readUpTo, setReadUpTo] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const lastTyping = useRef(0);
  const typingTimer = useRef<number | undefined>(undefined);
  const bottom = useRef<HTMLDivElement>(null);

  const add = (more: Message[]) => {
    for (const m of more) noteSeq(id, m.seq);
    setMessages((list) => merge(list ?? [], more));
  };

  useEffect(() => {
    let live = true;
    setHeard(null); // another conversation's words are not read out here
    otherName.current = "";
    newestPage(id).then(
      (page) => {
        if (!live) return;
        add(page.messages);
        setClosed(page.closed);
        // From the page itself, not the list: a conversation past the list's first page had no
        // name and no unmatch, block or report.
        setOther(page.user?.first_name ?? "");
        otherName.current = page.user?.first_name ?? "";
        setPeer({ matchId: page.match_id, userId: page.user?.user_id });
      },
      (e) => setError(errorText(e)),
    );
    const off = onFrame((f) => {
      if (f.conversation_id !== id) return;
      if (f.type === "message.new" || f.type === "message.deleted") {
        const m = f.message as Message;
        add([m]);
        if (f.type === "message.new" && m.sender_id !== myId) {
          setTyping(false);
          const who = otherName.current || t.yourMatch;
          const text = m.message_type === "image" ? t.chatPhotoFrom(who) : `${who}: ${m.content ?? ""}`;
          setHeard({ id: m.message_id, text });
        } else if (f.type === "message.deleted") {
          setHeard((h) => (h?.id === m.message_id ? null : h));
        }
      } else if (f.type === "reaction") {
        const reactions = f.reactions as Message["reactions"];
        setMessages((list) => list && list.map((m) => (m.message_id === f.message_id ? { ...m, reactions } : m)));
      } else if (f.type === "typing" && f.user_id !== myId) {
        setTyping(true);
        window.clearTimeout(typingTimer.current);
        typingTimer.current = window.setTimeout(() => setTyping(false), 3500);
      } else if (f.type === "message.read" && f.reader_id !== myId) {
        setReadUpTo(Number(f.read_up_to) || 0);
      } else if (f.type === "conversation.closed") {
        setClosed(true);
        setCloseReason(String(f.reason ?? ""));
      }
    });
    return () => {
      live = false;
      off();
    };
  }, [id]);

  // Back from a dropped connection: the resume replays new messages, not what changed on older ones
  // meanwhile (the other's read receipts), so the newest page is read again.
  const wasOnline = useRef(connected.value);
  useEffect(() => {
    const back = connected.value && !wasOnline.current;
    wasOnline.current = connected.value;
    if (!back) return;
    newestPage(id).then(
      (page) => add(page.messages),
      () => undefined,
    );
  }, [connected.value, id]);

  // Tell the other person what has been read: only what is on a screen someone looks at (not a
  // tab in the background), and once a burst has settled. A frame per message of a resume's replay
  // spent the socket's frame budget (100 in 10 s), and the sends and resumes after it were refused.
  const lastFromOther = (messages ?? []).filter((m) => m.sender_id !== myId).at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastFromOther <= 0 || !connected.value) return;
    let timer: number | undefined;
    const tell = () => {
      window.clearTimeout(timer);
      if (document.visibilityState !== "visible") return;
      timer = window.setTimeout(
        () => void request({ type: "read", conversation_id: id, up_to_seq: lastFromOther }).catch(() => undefined),
        300,
      );
    };
    tell();
    document.addEventListener("visibilitychange", tell);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", tell);
    };
  }, [lastFromOther, connected.value]);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [messages?.length]);

  // One way to send (text or photo): over the socket, or over REST when there is none or it did not
  // answer in time (the same client message id: the server keeps one message whichever arrives).
  const deliver = async (
    body: { message_type: "text" | "image"; content?: string; media_key?: string },
    client_message_id = newId(),
  ) => {
    let message: Message;
    try {
      const ack = await request({ type: "message.send", conversation_id: id, client_message_id, ...body });
      message = ack.message as Message;
    } catch (wsError) {
      if (connected.value && (wsError as Error).message !== "timeout") throw wsError;
      message = await ok(
        api.POST("/api/v1/conversations/{conversation_id}/messages", {
          params: { path: { conversation_id: id } },
          body: { client_message_id, ...body },
        }),
      );
    }
    add([message]);
  };

  // A text whose sending failed keeps its client message id: sent again, it is the same message,
  // never a second one (the failure may have been only the answer's).
  const unsent = useRef<{ content: string; clientId: string } | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    const content = text.trim();
    if (!content) return;
    const clientId = unsent.current?.content === content ? unsent.current.clientId : newId();
    setError(null);
    setText("");
    try {
      await deliver({ message_type: "text", content }, clientId);
      unsent.current = null;
    } catch (err) {
      unsent.current = { content, clientId };
      setText((typed) => typed || content); // what was typed meanwhile is kept
      setError(errorText(err));
    }
  };

  if (!messages) return <Pending error={error} />;
  // A chat is read in order: a message of mine read means every one before it was too (a read the
  // server keeps without a time, made while receipts were withheld, shows once a later one is told).
  const readThrough = messages.reduce((n, m) => (m.sender_id === myId && m.read_at != null ? Math.max(n, m.seq) : n), readUpTo);
  const mineRead = (m: Message) => m.sender_id === myId && m.seq <= readThrough;
  return (
    <main class="chat" data-title={t.chat}>
      <Link href="/chats">{t.back(t.chats)}</Link>
      <h1>{other || t.chats}</h1>
      {!connected.value && <p class="muted" role="status">{t.offline}</p>}
      {/* What the other writes, read out as it arrives: one line, not the whole list with its
          buttons and receipts (a live region reads all of what changes in it). */}
      <p class="sr-only" aria-live="polite">
        {/* keyed: the same words twice ("ok", "ok") are read twice */}
        {heard && <span key={heard.id}>{heard.text}</span>}
      </p>
      <ol class="messages" aria-label={t.conversationWith(other)}>
        {messages.length === 0 && <li class="muted">{t.noMessages}</li>}
        {messages
          .filter((m) => m.message_type !== "reaction")
          .map((m) => (
            <li key={m.message_id} class={m.sender_id === myId ? "mine" : "theirs"} data-seq={m.seq}>
              <span class="sr-only">{m.sender_id === myId ? t.you : other}: </span>
              {!m.deleted && m.message_type === "image" && m.media_url && (
                <img class="chat-photo" src={m.media_url} alt={m.sender_id === myId ? t.yourChatPhoto : t.chatPhotoFrom(other)} />
              )}
              {(m.deleted || m.content || m.message_type !== "image") && <span class="text">{m.deleted ? t.messageDeleted : m.content}</span>}
              <small class="receipt">
                <SentAt at={m.sent_at} />
                {mineRead(m) && ` · ${t.read}`}
              </small>
              {!m.deleted && <MessageActions message={m} mine={m.sender_id === myId} closed={closed} onChange={(changed) => add([changed])} />}
            </li>
          ))}
      </ol>
      <p class="typing" role="status">
        {typing ? t.typing(other) : ""}
      </p>
      <ErrorBox error={error} />
      {closed ? (
        <p class="notice neutral" role="status">
          {(closeReason && t.closedReason[closeReason]) || t.closed}
        </p>
      ) : (
        <form class="composer" onSubmit={send}>
          <label for="message" class="sr-only">
            {t.message}
          </label>
          <input
            id="message"
            autocomplete="off"
            maxLength={4000}
            value={text}
            placeholder={t.message}
            onInput={(e) => {
              setText(e.currentTarget.value);
              const now = Date.now();
              if (now - lastTyping.current > 2000 && connected.value) {
                lastTyping.current = now;
                void request({ type: "typing", conversation_id: id }).catch(() => undefined);
              }
            }}
          />
          <button type="submit">{t.send}</button>
        </form>
      )}
      {/* Scrolled to on each new message: the newest one and, under it, where to answer (on a
          small screen the box was left below the fold). */}
      <div ref={bottom} />
      {!closed && <ChatPhoto conversationId={id} send={(media_key) => deliver({ message_type: "image", media_key })} />}
      <ChatSafety
        matchId={peer.matchId}
        userId={peer.userId}
        name={other}
        closed={closed}
        onClosed={(reason) => {
          setClosed(true);
          setCloseReason(reason);
        }}
      />
    </main>
  );
}

const EMOJIS = ["❤️", "👍", "😂", "😮"];

/** Under each message: its reactions (each a switch for one's own), a picker to add one, and for
 * one's own messages, delete after a confirmation. The server's answer (and, for the other person,
 * the live `reaction` / `message.deleted` event) is what the list then shows. */
function MessageActions(props: { message: Message; mine: boolean; closed: boolean; onChange: (m: Message) => void }) {
  const { message, mine, closed } = props;
  const myId = me.value?.user_id;
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useRun();
  const counts = new Map<string, { n: number; mine: boolean }>();
  for (const r of message.reactions ?? []) {
    if (!r.reaction) continue;
    const c = counts.get(r.reaction) ?? { n: 0, mine: false };
    counts.set(r.reaction, { n: c.n + 1, mine: c.mine || r.userId === myId });
  }
  const react = (emoji: string, action: "add" | "remove") =>
    run(async () => {
      setPicking(false);
      const path = { message_id: message.message_id };
      props.onChange(await ok(api.POST("/api/v1/messages/{message_id}/reactions", { params: { path }, body: { emoji, action } })));
    });
  const remove = () =>
    run(async () => {
      props.onChange(await ok(api.DELETE("/api/v1/messages/{message_id}", { params: { path: { message_id: message.message_id } } })));
      setConfirming(false);
    });
  return (
    <div class="message-actions">
      {[...counts].map(([emoji, c]) => (
        <button
          type="button"
          class="reaction"
          aria-pressed={c.mine}
          disabled={busy || closed}
          onClick={() => void react(emoji, c.mine ? "remove" : "add")}
        >
          {`${emoji} ${c.n}`}
        </button>
      ))}
      {!closed && (
        <button type="button" class="link" aria-expanded={picking} onClick={() => setPicking(!picking)}>
          {t.react}
        </button>
      )}
      {mine && !closed && (
        <button type="button" class="link" onClick={() => setConfirming(true)}>
          {t.delete}
        </button>
      )}
      {picking && (
        <InPlace first="button" onClose={() => setPicking(false)}>
          <div class="picker" role="group" aria-label={t.react}>
            {EMOJIS.map((emoji) => (
              <button type="button" class="reaction" aria-label={t.reactWith(emoji)} disabled={busy} onClick={() => void react(emoji, "add")}>
                {emoji}
              </button>
            ))}
          </div>
        </InPlace>
      )}
      {confirming && (
        <Confirm question={t.deleteMessageConfirm} busy={busy} onYes={() => void remove()} onCancel={() => setConfirming(false)} />
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** Sending a photo: the chosen file goes to the conversation's upload route (the server checks and
 * re-encodes it), then an image message names the stored key. */
function ChatPhoto(props: { conversationId: string; send: (mediaKey: string) => Promise<void> }) {
  const { busy, error, run } = useRun();
  const [status, setStatus] = useState<string | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const choose = (file: File | undefined) =>
    run(async () => {
      if (!file) return;
      setStatus(t.sendingPhoto);
      try {
        const path = { conversation_id: props.conversationId };
        const stored = await ok(api.POST("/api/v1/conversations/{conversation_id}/media", { params: { path }, ...imageUpload(file) }));
        await props.send(stored.media_key!);
        setStatus(t.photoSent);
      } catch (e) {
        setStatus(null);
        throw e;
      } finally {
        setInputKey((k) => k + 1);
      }
    });
  return (
    <div class="chat-photo-input">
      <Field label={t.sendPhoto} id="chat_photo">
        <input key={inputKey} id="chat_photo" type="file" disabled={busy} accept="image/jpeg,image/png,image/webp,image/heic" onChange={(e) => void choose(e.currentTarget.files?.[0])} />
      </Field>
      <ErrorBox error={error} />
      <Notice text={status} />
    </div>
  );
}
