// The open reports, oldest first (GET /admin/reports): each opens the report with what was reported.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { api, errorText, ok } from "../../session";
import { t } from "../../strings";
import { ErrorBox, Link, Loading } from "../../ui";
import { reasonName, when } from "./format";

export function ReportsQueue() {
  const [reports, setReports] = useState<Schemas["Report"][] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ok(api.GET("/api/v1/admin/reports", { params: { query: { status: "open", limit: 100 } } })).then(
      (r) => setReports(r.reports ?? []),
      (e) => setError(errorText(e)),
    );
  }, []);
  if (!reports) return error ? <ErrorBox error={error} /> : <Loading />;
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t.reportsQueue}</h2>
      {reports.length === 0 ? (
        <p>{t.noOpenReports}</p>
      ) : (
        <>
          <p>{t.reportsInQueue(reports.length)}</p>
          <ul class="report-list">
            {reports.map((r) => (
              <li>
                <Link href={`/admin/reports/${r.report_id}`}>{t.openReport(r.reported_name ?? t.unknownPerson, reasonName(r.reason), when(r.created_at))}</Link>
                <p class="details">{r.details || t.noDetails}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
