// "Sign in with <provider>" (docs/oauth.md): buttons for the providers the server lists, and the
// return from a provider. A button is a top-level navigation to the server's start of the flow
// (which redirects to the provider); the provider's way back lands on /signin with either
// `?error=<problem type>`, said here in words, or `#oauth=<code>`, traded here for the session.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { go, query } from "../router";
import { api, errorText, loadMe, ok, startSession } from "../session";
import { t } from "../strings";
import { ErrorBox, Loading } from "../ui";

type Listed = { name: string; display_name: string };
const providers = signal<Listed[] | null>(null);

function loadProviders(): void {
  if (providers.value) return;
  ok(api.GET("/api/v1/auth/providers"))
    .then((r) => (providers.value = r.providers))
    .catch(() => (providers.value = []));
}

/** A provider's name as its button says it ("Local OP"); its key until the list has come. */
export function useProviderName(name: string): string {
  useEffect(loadProviders, []);
  return providers.value?.find((p) => p.name === name)?.display_name ?? name;
}

/** The problem a provider's return brought (`?error=`), in words; null when none. */
export function providerError(): string | null {
  const slug = query("error");
  return slug ? (t.oauthProblems[slug] ?? t.oauthFailed) : null;
}

export type SignUpBasics = Pick<Schemas["SignupInput"], "birth_date" | "gender" | "seeking_gender">;

/** One button per provider; on the sign-up screen the flow carries the new account's basics. */
export function ProviderButtons(props: { signup?: SignUpBasics }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(loadProviders, []);
  const list = providers.value;
  if (!list || list.length === 0) return null;
  const start = (name: string) => {
    let search = "";
    if (props.signup) {
      if (!props.signup.birth_date) return setError(t.providerNeedsBirthDate);
      search = "?" + new URLSearchParams(props.signup).toString();
    }
    location.assign(`/api/v1/auth/oauth/${encodeURIComponent(name)}/start${search}`);
  };
  return (
    <div class="providers">
      <p>{props.signup ? t.orSignUpWith : t.orSignInWith}</p>
      {list.map((p) => (
        <button type="button" class="secondary" onClick={() => start(p.name)}>
          {props.signup ? t.signUpWith(p.display_name) : t.signInWith(p.display_name)}
        </button>
      ))}
      <ErrorBox error={error} />
    </div>
  );
}

/** The code of a provider's successful return (`#oauth=`), taken out of the address. */
function handoffCode(): string | null {
  const code = new URLSearchParams(location.hash.slice(1)).get("oauth");
  if (code) history.replaceState(null, "", location.pathname);
  return code;
}

/** On /signin: finishes a provider's successful return; renders nothing otherwise. */
export function ProviderReturn() {
  const [code] = useState(handoffCode);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!code) return;
    ok(api.POST("/api/v1/auth/oauth-handoff", { body: { code } }))
      .then(async (signed) => {
        startSession(signed.token);
        const profile = await loadMe();
        go(profile.profile_completed ? "/matches" : "/profile", true);
      })
      .catch((e) => setError(errorText(e)));
  }, [code]);
  if (!code) return null;
  return error ? <ErrorBox error={error} /> : <Loading />;
}
