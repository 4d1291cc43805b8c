// Who is signed in: the session token (kept in localStorage so a reload stays signed in), the
// typed API client that sends it, and the own profile. Every API failure becomes an ApiError whose
// message is words a person can read (the problem's `detail`).
import { signal } from "@preact/signals";
import { createApiClient, type Problem, type Schemas } from "./api/client";
import { go } from "./router";
import { forgetDevicePush } from "./push";
import { t } from "./strings";

const KEY = "pm.session";
export const token = signal<string | null>(localStorage.getItem(KEY));
export const me = signal<Schemas["Profile"] | null>(null);
/** A notice shown once on the next screen (e.g. "your session has ended"). */
export const notice = signal<string | null>(null);

export const api = createApiClient({ token: () => token.value });

/** A failure a form shows: its words, and those about single fields by the request's key for each
 * (`errors` of a problem, or a check made before sending), which the form shows beside its field. */
export class FormError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ApiError extends FormError {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: (Problem & Record<string, unknown>) | null,
    fields: Record<string, string> = {},
  ) {
    super(message, fields);
  }
}

/** A sentence: the server's details and messages begin in lower case ("must not be empty"). */
function sentence(text: string): string {
  if (!text) return text;
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : capital + ".";
}

/** A request's key in words: "birth_date" → "Birth date", "location.latitude" → "Location latitude". */
function fieldName(key: string): string {
  const words = key.replace(/[._]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A problem's `errors` by field, each a sentence to show under its field's label ("is required"
 * reads "Required."); the first message of a field is kept. */
function fieldsOf(problem: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(problem.errors)) return fields;
  for (const e of problem.errors as unknown[]) {
    if (!e || typeof e !== "object") continue;
    const { field, message } = e as { field?: unknown; message?: unknown };
    if (typeof field === "string" && field && typeof message === "string")
      fields[field] ??= sentence(message.replace(/^is /, ""));
  }
  return fields;
}

function describe(problem: unknown, status: number): ApiError {
  if (problem && typeof problem === "object" && "title" in problem) {
    const p = problem as Problem & Record<string, unknown>;
    let text = p.detail || p.title;
    // A restricted account is told in the app's words, the end of a suspension in local time (the
    // server's detail gives it as a UTC timestamp).
    const slug = typeof p.type === "string" ? p.type.split("/").pop() : "";
    if (slug === "account-suspended" && typeof p.suspended_until === "string")
      text = t.accountSuspendedUntil(new Date(p.suspended_until).toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" }));
    else if (slug === "account-banned") text = t.oauthProblems["account-banned"] ?? text;
    const fields = fieldsOf(p);
    // Each field's message after the field's name in words ("Birth date: you must be 18 or older
    // to join."), rather than the detail, which names them by their keys ("birth_date you must…"):
    // said with its subject even where no field of the screen shows it (a link's token).
    if (slug === "validation-failed" && Array.isArray(p.errors) && p.errors.length)
      text = (p.errors as { field?: unknown; message?: unknown }[])
        .filter((e) => typeof e?.message === "string")
        .map((e) => sentence(typeof e.field === "string" && e.field ? `${fieldName(e.field)}: ${e.message}` : String(e.message)))
        .join(" ");
    text = sentence(text);
    const retry = typeof p.retry_after === "number" ? p.retry_after : null;
    // When is said exactly, so not also "later".
    if (status === 429 && retry != null) text = text.replace(/; try again later\.$/, ".") + " " + t.tryAgainIn(retry);
    return new ApiError(text || t.unknownProblem, status, p, fields);
  }
  return new ApiError(t.unknownProblem, status, null);
}

/** The data of an API call, or an ApiError. A 401 while signed in ends the local session. */
export async function ok<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  let r: { data?: D; error?: unknown; response: Response };
  try {
    r = await call;
  } catch {
    throw new ApiError(t.networkDown, 0, null);
  }
  if (!r.response.ok) {
    if (r.response.status === 401 && token.value) {
      endLocalSession(t.sessionEnded);
    }
    throw describe(r.error, r.response.status);
  }
  return r.data as D;
}

export function startSession(newToken: string): void {
  localStorage.setItem(KEY, newToken);
  token.value = newToken;
}

export function endLocalSession(message: string | null = null): void {
  // The browser's stored session and push subscription are this tab's to drop only while they are
  // still its own: a tab left open with an ended session must not sign out whoever signed in since
  // in another tab.
  const stored = localStorage.getItem(KEY);
  if (stored === null || stored === token.value) {
    void forgetDevicePush().catch(() => undefined);
    localStorage.removeItem(KEY);
  }
  token.value = null;
  me.value = null;
  notice.value = message;
  go("/signin", true);
}

// Signed in or out in another tab of this browser: this tab follows, from a clean start (nothing of
// the previous person's stays on its screens or in its memory).
window.addEventListener("storage", (e) => {
  if (e.key !== KEY || e.newValue === token.value) return;
  if (e.newValue === null) endLocalSession();
  else location.reload();
});

export async function loadMe(): Promise<Schemas["Profile"]> {
  const profile = await ok(api.GET("/api/v1/me"));
  me.value = profile;
  return profile;
}

export async function signOut(everywhere: boolean): Promise<void> {
  try {
    if (everywhere) await ok(api.POST("/api/v1/auth/logout-all"));
    else await ok(api.POST("/api/v1/auth/logout"));
  } finally {
    endLocalSession();
  }
}

/** An image file as the multipart body of an upload route (the part with a filename is the image;
 * docs/openapi.yaml): the profile's photos and a chat's. */
export function imageUpload(file: File) {
  const form = new FormData();
  form.append("photo", file, file.name || "photo");
  return { body: form as never, bodySerializer: (b: unknown) => b as FormData };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : t.unknownProblem;
}
