// The WebSocket of docs/realtime.md: one per signed-in tab. It authenticates with a first frame
// (browsers cannot set headers on an upgrade), resumes every conversation it has shown after a
// reconnect (so nothing is lost or doubled), and hands events to whoever listens.
import { effect, signal } from "@preact/signals";
import { token } from "./session";

type Frame = Record<string, unknown> & { type: string };
type Listener = (frame: Frame) => void;

export const connected = signal(false);
// For people (a "reconnecting" line) and for tests: <html data-realtime="ready|offline">.
effect(() => {
  document.documentElement.dataset.realtime = connected.value ? "ready" : "offline";
});
const listeners = new Set<Listener>();
const pending = new Map<string, (frame: Frame) => void>();
/** The highest seq shown per conversation, for `resume`. */
export const lastSeq = new Map<string, number>();
let socket: WebSocket | null = null;
let retry = 0;
let timer: number | undefined;
let counter = 0;

export function onFrame(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function newId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A socket that says nothing for this long is taken for gone (a network switch TCP has not noticed). */
export const ANSWER_TIMEOUT_MS = 10_000;

/** Sends a frame and resolves with its ack (or rejects with its error's problem, or "timeout"). */
export function request(frame: Record<string, unknown> & { type: string }): Promise<Frame> {
  return new Promise((resolve, reject) => {
    if (!socket || socket.readyState !== WebSocket.OPEN || !connected.value) {
      reject(new Error("offline"));
      return;
    }
    const id = `c${++counter}`;
    const timer = window.setTimeout(() => {
      pending.delete(id);
      reject(new Error("timeout"));
    }, ANSWER_TIMEOUT_MS);
    pending.set(id, (answer) => {
      window.clearTimeout(timer);
      if (answer.type === "error") {
        const problem = answer.problem as { detail?: string; title?: string } | undefined;
        reject(new Error(problem?.detail || problem?.title || "error"));
      } else resolve(answer);
    });
    socket.send(JSON.stringify({ ...frame, id }));
  });
}

export function noteSeq(conversationId: string, seq: number): void {
  const known = lastSeq.get(conversationId) ?? 0;
  if (seq <= known) return;
  lastSeq.delete(conversationId); // the most recently active last: a resume names the newest 200
  lastSeq.set(conversationId, seq);
}

// Where an unfinished resume stopped, per conversation: live messages (and the chat's newest page)
// move lastSeq past the gap it is still filling, so a reconnect before it ends starts from here.
const unfinished = new Map<string, number>();
const MAX_RESUMED = 200; // the server's limit per resume

// A resume answers at most a budget of messages (docs/realtime.md): while it says there are `more`,
// it is asked again from where it stopped (`resume_from`), so a long absence misses nothing. It ends
// with its socket: a newer socket runs its own.
async function resume(ws: WebSocket): Promise<void> {
  const from = new Map(lastSeq);
  for (const [id, seq] of unfinished) from.set(id, Math.min(seq, from.get(id) ?? seq));
  let conversations: Record<string, number> = Object.fromEntries([...from].slice(-MAX_RESUMED));
  for (let round = 0; round < 100 && Object.keys(conversations).length > 0; round++) {
    // Until this round is answered, a reconnect starts no later than where it starts.
    for (const [id, seq] of Object.entries(conversations)) unfinished.set(id, Math.min(seq, unfinished.get(id) ?? seq));
    let answer: Frame;
    try {
      answer = await request({ type: "resume", conversations });
    } catch {
      if (socket !== ws || !connected.value) return; // offline again: the next `ready` resumes
      await new Promise((r) => window.setTimeout(r, 2_000)); // refused (a busy socket): again shortly
      if (socket !== ws) return;
      continue;
    }
    // Conversations this person can no longer read are not asked for again.
    for (const gone of (answer.gone as string[] | undefined) ?? []) lastSeq.delete(gone);
    unfinished.clear(); // this round is answered: the next starts from its resume_from
    if (!answer.more) return;
    conversations = (answer.resume_from as Record<string, number> | undefined) ?? {};
  }
}

export function connect(): void {
  if (socket || !token.value) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: token.value }));
  ws.onmessage = (e) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(e.data)) as Frame;
    } catch {
      return;
    }
    if (frame.type === "ready") {
      connected.value = true;
      retry = 0;
      if (lastSeq.size > 0 || unfinished.size > 0) void resume(ws);
    }
    // Every conversation's place, not only the open one's: a resume asks for what came after it.
    if (frame.type === "message.new" && typeof frame.conversation_id === "string") {
      const seq = (frame.message as { seq?: unknown } | undefined)?.seq;
      if (typeof seq === "number") noteSeq(frame.conversation_id, seq);
    }
    const id = typeof frame.id === "string" ? frame.id : null;
    if (id && pending.has(id) && (frame.type === "ack" || frame.type === "error")) {
      pending.get(id)!(frame);
      pending.delete(id);
      return;
    }
    for (const l of listeners) l(frame);
  };
  ws.onclose = () => {
    if (socket !== ws && socket !== null) return; // replaced by a newer socket: already let go
    letGo();
    if (!token.value) return;
    retry = Math.min(retry + 1, 6);
    timer = window.setTimeout(connect, 250 * 2 ** retry);
  };
}

// The socket is no longer ours to use: offline until a new one says `ready` (so a send goes over
// REST meanwhile, and the screens refresh when it does), and what waited for an answer fails now.
function letGo(): void {
  socket = null;
  connected.value = false;
  for (const [, fail] of pending) fail({ type: "error", problem: { detail: "offline" } });
  pending.clear();
}

export function disconnect(): void {
  window.clearTimeout(timer);
  const s = socket;
  letGo();
  lastSeq.clear();
  unfinished.clear();
  s?.close();
}

// The browser knows the network is gone long before TCP notices: close at once, so the person sees
// "Reconnecting…" and the chat resumes from the right place when the network is back.
window.addEventListener("offline", () => socket?.close());

// Back online: connect now rather than at the end of the back-off, replacing an attempt made while
// offline (it can only fail) or one still closing (its close comes later, when the new socket is
// already ours, and is ignored then).
window.addEventListener("online", () => {
  window.clearTimeout(timer);
  if (socket?.readyState === WebSocket.OPEN) return;
  const stale = socket;
  letGo();
  stale?.close();
  retry = 0;
  connect();
});
