// Chat: the conversations, and one conversation live over the WebSocket (src/realtime.ts): history
// from REST, new messages as events (ordered by seq, each once), sending with a client message id
// (a retry never doubles a message), typing, and read receipts.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { connected, newId, noteSeq, onFrame, request } from "../realtime";
import { api, errorText, me, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Link, Loading } from "../ui";
import { ChatSafety } from "./chat-safety";

type Message = Schemas["Message"];
type Conversation = NonNullable<Schemas["ConversationPage"]["conversations"]>[number];

export function ChatsScreen() {
  const [list, setList] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      ok(api.GET("/api/v1/conversations")).then(
        (p) => setList(p.conversations ?? []),
        (e) => setError(errorText(e)),
      );
    void load();
    return onFrame((f) => {
      if (f.type === "message.new" || f.type === "match.new" || f.type === "conversation.closed") void load();
    });
  }, []);
  if (!list) return error ? <ErrorBox error={error} /> : <Loading />;
  return (
    <main>
      <h1>{t.chats}</h1>
      {list.length === 0 ? (
        <p>{t.noChats}</p>
      ) : (
        <ul class="conversations">
          {list.map((c) => (
            <li>
              <Link href={`/chats/${c.conversation_id}`} class="conversation">
                <strong>{c.user?.first_name}</strong>
                {c.unread_count ? <span class="badge unread">{t.unread(c.unread_count)}</span> : null}
                <span class="muted preview">{c.last_message?.text ?? ""}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

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
    ok(api.GET("/api/v1/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } } })).then(
      (page) => {
        if (!live) return;
        add(page.messages);
        setClosed(page.closed);
      },
      (e) => setError(errorText(e)),
    );
    ok(api.GET("/api/v1/conversations")).then((p) => {
      const c = (p.conversations ?? []).find((x) => x.conversation_id === id);
      if (!c || !live) return;
      setOther(c.user?.first_name ?? "");
      setPeer({ matchId: c.match_id, userId: c.user?.user_id });
    }, () => undefined);
    const off = onFrame((f) => {
      if (f.conversation_id !== id) return;
      if (f.type === "message.new" || f.type === "message.deleted") {
        add([f.message as Message]);
        if (f.type === "message.new" && (f.message as Message).sender_id !== myId) {
          setTyping(false);
        }
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

  // Tell the other person what has been read.
  const lastFromOther = (messages ?? []).filter((m) => m.sender_id !== myId).at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastFromOther > 0 && connected.value) void request({ type: "read", conversation_id: id, up_to_seq: lastFromOther }).catch(() => undefined);
  }, [lastFromOther, connected.value]);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [messages?.length]);

  const send = async (e: Event) => {
    e.preventDefault();
    const content = text.trim();
    if (!content) return;
    setError(null);
    const client_message_id = newId();
    setText("");
    try {
      let message: Message;
      try {
        const ack = await request({ type: "message.send", conversation_id: id, client_message_id, message_type: "text", content });
        message = ack.message as Message;
      } catch (wsError) {
        if (connected.value) throw wsError;
        // No socket: the same message over REST (idempotent on its client id).
        message = await ok(
          api.POST("/api/v1/conversations/{conversation_id}/messages", {
            params: { path: { conversation_id: id } },
            body: { client_message_id, message_type: "text", content },
          }),
        );
      }
      add([message]);
    } catch (err) {
      setText(content);
      setError(errorText(err));
    }
  };

  if (!messages) return error ? <ErrorBox error={error} /> : <Loading />;
  const mineRead = (m: Message) => m.sender_id === myId && (m.read_at != null || m.seq <= readUpTo);
  return (
    <main class="chat">
      <Link href="/chats">{t.back(t.chats)}</Link>
      <h1>{other || t.chats}</h1>
      {!connected.value && <p class="muted" role="status">{t.offline}</p>}
      <ol class="messages" aria-live="polite" aria-label={t.chats}>
        {messages.length === 0 && <li class="muted">{t.noMessages}</li>}
        {messages
          .filter((m) => m.message_type !== "reaction")
          .map((m) => (
            <li class={m.sender_id === myId ? "mine" : "theirs"} data-seq={m.seq}>
              <span class="sr-only">{m.sender_id === myId ? t.you : other}: </span>
              <span class="text">{m.deleted ? t.messageDeleted : m.content}</span>
              {mineRead(m) && <small class="receipt">{t.read}</small>}
            </li>
          ))}
      </ol>
      <div ref={bottom} />
      <p class="typing" role="status">
        {typing ? t.typing(other) : ""}
      </p>
      <ErrorBox error={error} />
      {closed ? (
        <p class="notice" role="status">
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
