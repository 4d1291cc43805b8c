import { useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { go } from "../router";
import { api, ApiError, errorText, loadMe, notice, ok, startSession } from "../session";
import { t } from "../strings";
import { ErrorBox, Field, FieldProblems, Link, Notice, Options, useRun } from "../ui";
import { ProviderButtons, ProviderReturn, providerError } from "./providers";

// The known-device token of this browser's last password sign-in to an account, sent with the
// next: guesses at the password from elsewhere then cannot lock its owner out here
// (docs/security.md). It is not a session, so signing out keeps it. One per account (a second
// person signing in here must not take the first's), under a hash of the address rather than the
// address itself (whoever holds this browser's storage can still test a guessed address). Where
// the page has no Web Crypto (plain http but on localhost), one for the browser.
async function deviceKey(email: string): Promise<string> {
  if (!crypto.subtle) return "pm.device.any";
  localStorage.removeItem("pm.device"); // the one token a browser kept before
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase()));
  return "pm.device." + Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function signInWith(email: string, password: string): Promise<void> {
  const key = await deviceKey(email);
  const device = localStorage.getItem(key) ?? undefined;
  const signed = await ok(api.POST("/api/v1/auth/login", { body: { email, password, device } }));
  if (signed.device) localStorage.setItem(key, signed.device);
  startSession(signed.token);
  const profile = await loadMe();
  go(profile.profile_completed ? "/matches" : "/profile", true);
}

/** A sign-in refused right after a sign-up: the sign-in screen shows it as its own refusal. */
let refusedAfterSignUp: { email: string; error: unknown } | null = null;

export function SignIn() {
  const [after] = useState(() => {
    const taken = refusedAfterSignUp;
    refusedAfterSignUp = null;
    return taken;
  });
  const [email, setEmail] = useState(after?.email ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(after ? errorText(after.error) : providerError);
  // Refused for too many attempts at this account (perhaps someone else's guesses): a reset is the
  // way in now. Not for the network's own limit, which the account's guesses have nothing to do with.
  const [limited, setLimited] = useState(accountLimited(after?.error));
  const [busy, setBusy] = useState(false);
  const message = notice.value;
  return (
    <main class="narrow">
      <h1>{t.signIn}</h1>
      <Notice text={message} />
      <ProviderReturn />
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setLimited(false);
          notice.value = null;
          try {
            await signInWith(email, password);
          } catch (err) {
            setError(errorText(err));
            setLimited(accountLimited(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field label={t.email} id="email">
          <input id="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label={t.password} id="password">
          <input id="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        <ErrorBox error={error} />
        {limited && (
          <p>
            {t.lockedOutHint} <Link href="/forgot-password">{t.resetToSignIn}</Link>
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t.signIn}
        </button>
      </form>
      <ProviderButtons />
      <p>
        <Link href="/forgot-password">{t.forgotPassword}</Link>
      </p>
      <p>
        {t.noAccount} <Link href="/signup">{t.signUp}</Link>
      </p>
    </main>
  );
}

// The browser's first language the server writes mails in (Schemas["Language"]), else English: the
// person sees it chosen on the form and may change it before signing up.
function browserLanguage(): Schemas["Language"] {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = tag.toLowerCase().split("-")[0] ?? "";
    if (code in t.messageLanguageNames) return code as Schemas["Language"];
  }
  return "en";
}

/** A refusal by the account's limit of sign-in attempts (its problem says "… for this account"),
 * not by the one of the network the attempts come from. */
function accountLimited(e: unknown): boolean {
  return e instanceof ApiError && e.status === 429 && /for this account/.test(e.problem?.detail ?? "");
}

export function SignUp() {
  const [form, setForm] = useState({
    email: "",
    password: "",
    first_name: "",
    birth_date: "",
    gender: "woman" as Schemas["Gender"],
    seeking_gender: "man" as Schemas["SeekingGender"],
    language: browserLanguage(),
  });
  const { busy, error, problems, run } = useRun(providerError);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <main class="narrow">
      <h1>{t.signUp}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const done = await ok(api.POST("/api/v1/auth/signup", { body: form }));
            notice.value = t.mailed(done.email);
            // Signed up, but the sign-in after it refused (a limit reached): the sign-in screen, which
            // says so, rather than this form, which would be sent again.
            await signInWith(form.email, form.password).catch((err) => {
              notice.value = `${t.mailed(done.email)} ${t.signInToContinue}`;
              refusedAfterSignUp = { email: form.email, error: err };
              go("/signin", true);
            });
          });
        }}
      >
        <FieldProblems.Provider value={problems}>
          <Field label={t.email} id="email">
            <input id="email" type="email" autocomplete="email" required value={form.email} onInput={set("email")} />
          </Field>
          <Field label={t.password} id="password" hint={t.passwordHint}>
            <input id="password" type="password" autocomplete="new-password" required minLength={10} value={form.password} onInput={set("password")} />
          </Field>
          <Field label={t.firstName} id="first_name">
            <input id="first_name" autocomplete="given-name" required value={form.first_name} onInput={set("first_name")} />
          </Field>
          <Field label={t.birthDate} id="birth_date" hint={t.birthDateHint}>
            <input id="birth_date" type="date" required value={form.birth_date} onInput={set("birth_date")} />
          </Field>
          <Field label={t.gender} id="gender">
            <select id="gender" value={form.gender} onChange={set("gender")}>
              <Options labels={t.genders} />
            </select>
          </Field>
          <Field label={t.seeking} id="seeking_gender">
            <select id="seeking_gender" value={form.seeking_gender} onChange={set("seeking_gender")}>
              <Options labels={t.seekingLabels} />
            </select>
          </Field>
          <Field label={t.signUpLanguage} id="language">
            <select id="language" value={form.language} onChange={set("language")}>
              <Options labels={t.messageLanguageNames} />
            </select>
          </Field>
        </FieldProblems.Provider>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {t.signUp}
        </button>
      </form>
      <ProviderButtons signup={{ birth_date: form.birth_date, gender: form.gender, seeking_gender: form.seeking_gender }} />
      <p>
        {t.haveAccount} <Link href="/signin">{t.signIn}</Link>
      </p>
    </main>
  );
}
