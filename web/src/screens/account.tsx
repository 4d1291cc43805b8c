// The account: privacy settings (./settings), password, email address, the data export, the signed-in devices (./devices), signing out everywhere, and deletion.
// Each section is its own small form with its own error and confirmation.
import { useState } from "preact/hooks";
import { api, endLocalSession, me, ok, signOut, token } from "../session";
import { t } from "../strings";
import { Field, FormSection as Section, NewPasswordField } from "../ui";
import { BlockedPeople } from "./blocked";
import { Devices } from "./devices";
import { useProviderName } from "./providers";
import { SettingsForm } from "./settings";

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  return (
    <Section
      id="change-password"
      title={t.changePassword}
      submit={t.changePassword}
      action={async () => {
        await ok(api.POST("/api/v1/me/password", { body: { current_password: current, new_password: next } }));
        setCurrent("");
        setNext("");
        return t.passwordChanged;
      }}
    >
      <Field label={t.currentPassword} id="current_password">
        <input id="current_password" type="password" autocomplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
      </Field>
      <NewPasswordField value={next} onInput={setNext} name="new_password" />
    </Section>
  );
}

function ChangeEmail() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <Section
      id="change-email"
      title={t.changeEmail}
      submit={t.changeEmail}
      action={async () => {
        await ok(api.POST("/api/v1/me/email", { body: { email, password } }));
        setPassword("");
        return t.emailChangeMailed(email);
      }}
    >
      <Field label={t.newEmail} id="new_email" name="email">
        <input id="new_email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field label={t.password} id="email_password" name="password">
        <input id="email_password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
    </Section>
  );
}

/** What an old session does only with the password again (the export, the deletion): a session
 * signed in more than ten minutes ago confirms it first. Left empty, the server's answer says that
 * it is needed. */
async function withRecentProof<T>(password: string, act: () => Promise<T>): Promise<T> {
  if (password) await ok(api.POST("/api/v1/me/reauthenticate", { body: { password } }));
  return act();
}

/** The password an old session confirms with; an account without one (made with a provider) is
 * told to sign in with the provider again instead. */
function RecentPasswordField(props: { id: string; value: string; onInput: (value: string) => void }) {
  const profile = me.value;
  const provider = useProviderName(profile?.auth_provider ?? "");
  if (profile && !profile.has_password) return <p>{t.recentProviderSignIn(provider)}</p>;
  return (
    <Field label={t.recentPassword} id={props.id} name="password">
      <input id={props.id} type="password" autocomplete="current-password" value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
    </Field>
  );
}

/** The export needs the session's Authorization header, so a plain link cannot fetch it: the
 * file is fetched, then handed to the browser as a download. */
async function downloadExport(): Promise<string> {
  const blob = await ok(api.GET("/api/v1/me/export", { parseAs: "blob" }));
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = "perfect-match-export.json";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return t.exportReady;
}

function YourData() {
  const [password, setPassword] = useState("");
  return (
    <Section
      id="your-data"
      title={t.yourData}
      submit={t.exportData}
      action={async () => {
        const done = await withRecentProof(password, downloadExport);
        setPassword("");
        return done;
      }}
    >
      <p>{t.exportIntro}</p>
      <RecentPasswordField id="export_password" value={password} onInput={setPassword} />
    </Section>
  );
}

function DeleteAccount() {
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState("");
  if (!confirming)
    return (
      <section aria-labelledby="delete-account" class="account-section">
        <h2 id="delete-account">{t.deleteAccount}</h2>
        <p>{t.deleteIntro}</p>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          {t.deleteAccount}
        </button>
      </section>
    );
  return (
    <Section
      id="delete-account"
      title={t.deleteAccount}
      submit={t.deleteYes}
      danger
      action={async () => {
        await withRecentProof(password, () => ok(api.DELETE("/api/v1/me")));
        endLocalSession(t.accountDeleted);
        return null;
      }}
    >
      <p role="alert">{t.deleteConfirm}</p>
      <RecentPasswordField id="delete_password" value={password} onInput={setPassword} />
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        {t.cancel}
      </button>
    </Section>
  );
}

/** For an account made with a provider: no password to change or to confirm a new address with,
 * but a reset link sets one. */
function SetPassword(props: { email: string; provider: string }) {
  const provider = useProviderName(props.provider);
  return (
    <Section
      id="set-password"
      title={t.setAPassword}
      submit={t.mailSetPasswordLink}
      action={async () => {
        await ok(api.POST("/api/v1/auth/password-reset/request", { body: { email: props.email } }));
        return t.resetMailed;
      }}
    >
      <p>{t.setPasswordIntro(provider)}</p>
    </Section>
  );
}

export function AccountScreen() {
  const profile = me.value;
  return (
    <main>
      <h1>{t.accountTitle}</h1>
      {profile && (
        <p>
          {t.signedInAs(profile.email)} ({profile.email_verified ? t.emailVerified : t.emailNotVerified})
        </p>
      )}
      <SettingsForm group="privacy_settings" id="privacy-settings" title={t.privacySettings} intro={t.privacyIntro} names={t.privacySettingNames} />
      {profile && !profile.has_password ? (
        <SetPassword email={profile.email} provider={profile.auth_provider} />
      ) : (
        <>
          <ChangePassword />
          <ChangeEmail />
        </>
      )}
      <YourData />
      <BlockedPeople />
      <Devices />
      <Section
        id="sessions"
        title={t.sessions}
        submit={t.signOutEverywhere}
        action={async () => {
          if (token.value) await signOut(true);
          return null;
        }}
      >
        <p>{t.sessionsIntro}</p>
      </Section>
      <DeleteAccount />
    </main>
  );
}
