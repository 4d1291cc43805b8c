// Look an account up by its email address (GET /admin/users?email=): what staff may see of it,
// never the address itself (the server finds it by a blind index).
import { useState } from "preact/hooks";
import { api, errorText, ok } from "../../session";
import { t } from "../../strings";
import { ErrorBox, Field } from "../../ui";
import { when } from "./format";

type Found = Record<string, unknown> & { subscription?: { plan_id?: string; plan?: string } };
const DATES = new Set(["created_at", "last_active", "suspended_until", "banned_at"]);

function shown(key: string, value: unknown): string {
  if (value == null || value === "") return t.none;
  if (DATES.has(key)) return when(String(value));
  if (typeof value === "boolean") return value ? t.yes : t.no;
  return String(value);
}

export function UserLookup() {
  const [email, setEmail] = useState("");
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section aria-labelledby="lookup-title">
      <h2 id="lookup-title">{t.userLookup}</h2>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setFound(null);
          try {
            setFound((await ok(api.GET("/api/v1/admin/users", { params: { query: { email: email.trim() } } }))) as Found);
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field label={t.lookupEmail} id="lookup_email">
          <input id="lookup_email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={busy}>
          {t.lookUp}
        </button>
      </form>
      <ErrorBox error={error} />
      {found && (
        <dl class="facts" aria-label={t.userLookup}>
          {Object.entries(t.lookupFields).map(([key, label]) => (
            <>
              <dt>{label}</dt>
              <dd>{key === "plan" ? shown(key, found.subscription?.plan_id ?? found.subscription?.plan) : shown(key, found[key])}</dd>
            </>
          ))}
        </dl>
      )}
    </section>
  );
}
