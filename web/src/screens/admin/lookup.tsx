// Look an account up by its email address (GET /admin/users?email=): what staff may see of it,
// never the address itself (the server finds it by a blind index). Below it, an admin may give the
// account a plan without payment (POST /admin/users/{id}/plan, a "comp" plan; `free` ends a paid
// one), and read its audit trail (GET /admin/audit, on request: each reading is itself audited); a
// moderator is refused by the API, in its words.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { api, ok } from "../../session";
import { t } from "../../strings";
import { ErrorBox, Field, FormSection, useRun } from "../../ui";
import { when } from "./format";

type Found = Record<string, unknown> & { user_id?: string; subscription?: { plan_id?: string; plan?: string } };
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
  const { busy, error, run } = useRun();
  const lookUp = () =>
    run(async () => {
      setFound((await ok(api.GET("/api/v1/admin/users", { params: { query: { email: email.trim() } } }))) as Found);
    });
  return (
    <section aria-labelledby="lookup-title">
      <h2 id="lookup-title">{t.userLookup}</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setFound(null);
          void lookUp();
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
      {found?.user_id && <GrantPlan userId={found.user_id} name={String(found.first_name ?? "")} onGranted={lookUp} />}
      {found?.user_id && <AuditTrail key={found.user_id} userId={found.user_id} name={String(found.first_name ?? "")} />}
    </section>
  );
}

/** Give the looked-up account a plan for some days; the lookup is then read again, so its "Plan"
 * line shows what the server now has. */
function GrantPlan(props: { userId: string; name: string; onGranted: () => Promise<void> }) {
  const [plans, setPlans] = useState<Schemas["Plan"][]>([]);
  const [planId, setPlanId] = useState("premium");
  const [days, setDays] = useState(30);
  useEffect(() => {
    ok(api.GET("/api/v1/plans")).then((p) => setPlans(p.plans ?? []), () => undefined); // the select then offers the default
  }, []);
  const options = plans.length ? plans.map((p) => [p.plan_id ?? "", p.name ?? p.plan_id ?? ""]) : [[planId, planId]];
  return (
    <FormSection
      id="grant-plan"
      class="grant-plan"
      title={t.grantPlan(props.name)}
      submit={t.grantPlanSubmit}
      action={async () => {
        await ok(api.POST("/api/v1/admin/users/{user_id}/plan", { params: { path: { user_id: props.userId } }, body: { plan_id: planId, days } }));
        await props.onGranted();
        return t.planGranted(planId, days);
      }}
    >
      <p class="hint">{t.grantPlanIntro}</p>
      <div class="row">
        <Field label={t.planLabel} id="grant_plan">
          <select id="grant_plan" value={planId} onChange={(e) => setPlanId(e.currentTarget.value)}>
            {options.map(([id, name]) => (
              <option value={id}>{name}</option>
            ))}
          </select>
        </Field>
        <Field label={t.grantDays} id="grant_days">
          <input id="grant_days" type="number" min={1} max={3650} required value={days} onInput={(e) => setDays(Number(e.currentTarget.value))} />
        </Field>
      </div>
    </FormSection>
  );
}

type TrailEntry = Schemas["AuditTrailEntry"];

/** The account's audit trail, loaded when asked for (reading it is recorded), a page at a time. */
function AuditTrail(props: { userId: string; name: string }) {
  const [entries, setEntries] = useState<TrailEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const { busy, error, run } = useRun();
  const load = (before?: string) =>
    run(async () => {
      const page = await ok(
        api.GET("/api/v1/admin/audit", { params: { query: { user_id: props.userId, limit: 20, ...(before ? { before } : {}) } } }),
      );
      setEntries([...(before ? entries ?? [] : []), ...page.entries]);
      setNext(page.next_before ?? null);
    });
  return (
    <section aria-labelledby="audit-title" class="audit-trail">
      <h3 id="audit-title">{t.auditTrail(props.name)}</h3>
      <p class="hint">{t.auditTrailIntro}</p>
      {entries === null ? (
        <button type="button" disabled={busy} onClick={() => void load()}>
          {t.auditTrailShow}
        </button>
      ) : entries.length === 0 ? (
        <p>{t.auditTrailEmpty}</p>
      ) : (
        <ol aria-label={t.auditTrail(props.name)}>
          {entries.map((e) => (
            <li key={e.audit_id}>
              <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.event}</strong> {t.auditBy(e.actor_id, props.userId)}
            </li>
          ))}
        </ol>
      )}
      {next && (
        <button type="button" disabled={busy} onClick={() => void load(next)}>
          {t.auditTrailOlder}
        </button>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
