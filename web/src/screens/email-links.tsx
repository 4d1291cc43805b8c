// The screens the mailed links open (the server writes `PM_PUBLIC_URL/verify-email?token=…` and
// `PM_PUBLIC_URL/reset-password?token=…`), signed in or not, and the form that asks for a reset mail.
import { useEffect, useState } from "preact/hooks";
import { go, takeQuery } from "../router";
import { api, ApiError, endLocalSession, errorText, loadMe, me, notice, ok, token } from "../session";
import { t } from "../strings";
import { ErrorBox, Field, FieldProblems, NewPasswordField, Link, Loading, Notice, useRun } from "../ui";

export function VerifyEmailScreen() {
  // (Read once: the token leaves the address bar at once.)
  const [code] = useState(() => takeQuery("token"));
  const [state, setState] = useState<"working" | "done" | "failed">(code ? "working" : "failed");
  const [error, setError] = useState<string | null>(code ? null : t.missingToken);
  useEffect(() => {
    if (!code) return;
    ok(api.POST("/api/v1/auth/verify-email", { body: { token: code } })).then(
      () => {
        setState("done");
        // A change of address switches the account: the profile shown must follow.
        if (token.value) void loadMe().catch(() => undefined);
      },
      async (e) => {
        // A spent link opened again (twice from the mail) by someone signed in whose address is
        // verified: said with it, which address is verified (a change of address that failed must
        // not read as done). Any other problem as it is.
        const spent = e instanceof ApiError && e.problem?.type?.endsWith("/invalid-token");
        const verified = spent && token.value ? await loadMe().then((p) => (p.email_verified ? p.email : null), () => null) : null;
        setError(verified ? t.linkSpentButVerified(verified) : errorText(e));
        setState("failed");
      },
    );
  }, [code]);
  return (
    <main class="narrow">
      <h1>{t.verifyTitle}</h1>
      {state === "working" && <p role="status">{t.verifying}</p>}
      {state === "done" && <Notice text={t.verified} />}
      <ErrorBox error={error} />
      {state !== "working" && <Link href="/">{t.continueToApp}</Link>}
    </main>
  );
}

export function ForgotPasswordScreen() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, problems, run } = useRun();
  return (
    <main class="narrow">
      <h1>{t.forgotTitle}</h1>
      <p>{t.forgotIntro}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await ok(api.POST("/api/v1/auth/password-reset/request", { body: { email } }));
            setSent(true);
          });
        }}
      >
        <FieldProblems.Provider value={problems}>
          <Field label={t.email} id="email">
            <input id="email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </Field>
        </FieldProblems.Provider>
        <ErrorBox error={error} />
        {sent && <Notice text={t.resetMailed} />}
        <button type="submit" disabled={busy}>
          {t.sendResetLink}
        </button>
      </form>
      <p>
        <Link href="/signin">{t.signIn}</Link>
      </p>
    </main>
  );
}

export function ResetPasswordScreen() {
  // (Read once: the token leaves the address bar at once.)
  const [code] = useState(() => takeQuery("token"));
  const [password, setPassword] = useState("");
  const { busy, error, problems, run } = useRun(code ? null : t.missingToken);
  if (busy) return <Loading />;
  return (
    <main class="narrow">
      <h1>{t.resetTitle}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!code) return;
          void run(async () => {
            await ok(api.POST("/api/v1/auth/password-reset/confirm", { body: { token: code, password } }));
            // The server ended every session of the account, this one too.
            if (token.value) endLocalSession(t.passwordReset);
            else {
              notice.value = t.passwordReset;
              go("/signin", true);
            }
          });
        }}
      >
        <FieldProblems.Provider value={problems}>
          <NewPasswordField value={password} onInput={setPassword} name="password" />
        </FieldProblems.Provider>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy || !code}>
          {t.setPassword}
        </button>
      </form>
      <p>
        <Link href="/signin">{t.signIn}</Link> · <Link href="/forgot-password">{t.forgotPassword}</Link>
      </p>
    </main>
  );
}

/** Under the header while the address is not verified: what it is for, and a new link for a lost one. */
export function VerifyReminder() {
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useRun();
  const profile = me.value;
  if (!profile || profile.email_verified) return null;
  return (
    <aside class="verify-reminder" aria-label={t.verifyReminderLabel}>
      <p>
        {t.verifyReminder(profile.email)}{" "}
        <button
          type="button"
          class="link"
          disabled={busy}
          onClick={() =>
            run(async () => {
              await ok(api.POST("/api/v1/auth/verify-email/resend"));
              setSent(t.verifyResent(profile.email));
            })
          }
        >
          {t.sendLinkAgain}
        </button>
      </p>
      <Notice text={sent} />
      <ErrorBox error={error} />
    </aside>
  );
}
