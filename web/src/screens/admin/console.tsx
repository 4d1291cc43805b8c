// The staff console (/admin, docs/admin.md): its sections and the check that the person is staff.
// The API is what refuses (403 `staff-only` on every admin route); the console asks it once, so a
// person who is not staff sees "not allowed" in words instead of sections that would all fail
// (src/staff.ts: the same answer decides whether the navigation shows the console's link).
import { useEffect } from "preact/hooks";
import { param, path } from "../../router";
import { checkStaff, staffAccess, staffCheckError } from "../../staff";
import { t } from "../../strings";
import { ErrorBox, Link, Loading } from "../../ui";
import { DecisionsSection } from "./decisions";
import { FlagsSection } from "./flags";
import { ReportScreen } from "./report";
import { ReportsQueue } from "./queue";
import { UserLookup } from "./lookup";

export function AdminConsole() {
  useEffect(checkStaff, []);
  const access = staffAccess.value;
  const error = staffCheckError.value;
  if (error) return <main><h1>{t.staffConsole}</h1><ErrorBox error={error} /></main>;
  if (access === "checking") return <main><h1>{t.staffConsole}</h1><Loading /></main>;
  if (access === "refused")
    return (
      <main>
        <h1>{t.staffConsole}</h1>
        <p class="error" role="alert">{t.adminNotAllowed}</p>
      </main>
    );

  const p = path.value;
  let id: string | null;
  let section;
  if (p === "/admin/users") section = <UserLookup />;
  else if (p === "/admin/flags") section = <FlagsSection />;
  else if (p === "/admin/decisions") section = <DecisionsSection />;
  else if ((id = param(p, "/admin/reports"))) section = <ReportScreen key={id} id={id} />;
  else section = <ReportsQueue />;
  const tab = (href: string, label: string, current: boolean) => (
    <li>
      <Link href={href} class={current ? "active" : ""} current={current}>
        {label}
      </Link>
    </li>
  );
  return (
    <main class="admin">
      <h1>{t.staffConsole}</h1>
      <nav aria-label={t.staffNavigation} class="tabs">
        <ul>
          {tab("/admin", t.reportsQueue, p === "/admin" || p.startsWith("/admin/reports"))}
          {tab("/admin/users", t.userLookup, p === "/admin/users")}
          {tab("/admin/flags", t.featureFlags, p === "/admin/flags")}
          {tab("/admin/decisions", t.decisions, p === "/admin/decisions")}
        </ul>
      </nav>
      {section}
    </main>
  );
}
