// What staff decided: reports already acted on (reviewed or dismissed), newest first, each with its
// action, time and the member of staff. The API has no route that reads the audit log itself, so
// this is the trail it documents (docs/admin.md: every decision is also an audit entry).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { api, errorText, ok } from "../../session";
import { t } from "../../strings";
import { ErrorBox, Link, Loading } from "../../ui";
import { reasonName, when } from "./format";

type Report = Schemas["Report"];

export function DecisionsSection() {
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const list = (status: "reviewed" | "dismissed") =>
      ok(api.GET("/api/v1/admin/reports", { params: { query: { status, limit: 100 } } })).then((r) => r.reports ?? []);
    Promise.all([list("reviewed"), list("dismissed")]).then(
      ([a, b]) => setReports([...a, ...b].sort((x, y) => (y.resolved_at ?? "").localeCompare(x.resolved_at ?? ""))),
      (e) => setError(errorText(e)),
    );
  }, []);
  if (!reports) return error ? <ErrorBox error={error} /> : <Loading />;
  return (
    <section aria-labelledby="decisions-title">
      <h2 id="decisions-title">{t.decisions}</h2>
      <p>{t.decisionsIntro}</p>
      {reports.length === 0 ? (
        <p>{t.noDecisions}</p>
      ) : (
        <ol class="report-list">
          {reports.map((r) => (
            <li>
              <Link href={`/admin/reports/${r.report_id}`}>
                {t.resolvedAs(t.actionNames[r.resolution ?? ""] ?? r.resolution ?? "", when(r.resolved_at))}
              </Link>
              <p class="details">
                {t.decidedAbout(r.reported_name ?? t.unknownPerson)} · {t.reasonLabel(reasonName(r.reason))} ·{" "}
                {t.decidedBy(r.resolved_by_name ?? t.unknownPerson)}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
