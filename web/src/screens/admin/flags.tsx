// Feature flags (admins): the list, and a switch each. A switch PUTs the whole flag with only
// `enabled` changed, since the API replaces a flag as a whole (a member left out takes its default).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { api, errorText, ok } from "../../session";
import { t } from "../../strings";
import { ErrorBox, Loading, Notice } from "../../ui";
import { when } from "./format";

type Flag = Schemas["FeatureFlag"];

export function FlagsSection() {
  const [flags, setFlags] = useState<Flag[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    ok(api.GET("/api/v1/admin/feature-flags")).then(
      (r) => setFlags(r.flags ?? []),
      (e) => setError(errorText(e)),
    );
  }, []);
  if (!flags) return error ? <ErrorBox error={error} /> : <Loading />;

  const toggle = async (flag: Flag) => {
    const key = flag.key!;
    setBusy(key);
    setError(null);
    setStatus(null);
    try {
      const saved = await ok(
        api.PUT("/api/v1/admin/feature-flags/{key}", {
          params: { path: { key } },
          body: {
            enabled: !flag.enabled,
            config: flag.config ?? {},
            percentage: flag.percentage ?? 100,
            allow_list: flag.allow_list ?? [],
            plans: flag.plans ?? [],
            description: flag.description ?? "",
          },
        }),
      );
      setFlags(flags.map((f) => (f.key === key ? saved : f)));
      setStatus(t.flagSaved(key, !!saved.enabled));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="flags-title">
      <h2 id="flags-title">{t.featureFlags}</h2>
      {flags.length === 0 && <p>{t.noFlags}</p>}
      <ul class="flag-list">
        {flags.map((f) => (
          <li>
            <label class="check">
              <input type="checkbox" checked={!!f.enabled} disabled={busy === f.key} onChange={() => void toggle(f)} />
              <strong>{f.key}</strong>
            </label>
            <p class="details">{f.description}</p>
            <p class="details">
              {[
                t.flagRollout(f.percentage ?? 100),
                f.plans?.length ? t.flagPlans(f.plans.join(", ")) : null,
                f.allow_list?.length ? t.flagAllowList(f.allow_list.length) : null,
                when(f.updated_at),
              ]
                .filter(Boolean)
                .join(" · ")}
            </p>
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
      <Notice text={status} />
    </section>
  );
}
