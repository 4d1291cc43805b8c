// One report (GET /admin/reports/{id}): who was reported, their photos, the messages between the
// reporter and them, and the decision (POST …/actions). Ban asks first: it cannot be undone here.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { api, errorText, ok } from "../../session";
import { t } from "../../strings";
import { Confirm, ErrorBox, Field, Link, Loading, Notice } from "../../ui";
import { reasonName, when } from "./format";

type Action = "dismiss" | "warn" | "suspend" | "ban" | "remove_photo";
// `reported` is documented as {profile, photos, messages} without a schema of its own.
interface ReportedProfile {
  user_id: string;
  first_name: string;
  age?: number | null;
  bio?: string | null;
  location?: { label?: string } | string | null;
  suspended_until?: string | null;
  banned?: boolean;
}
interface ReportedMessage {
  message_id: string;
  sender_id: string;
  content?: string | null;
  has_image?: boolean;
  sent_at: string;
}
interface Reported {
  profile: ReportedProfile | null;
  photos: Schemas["Photo"][];
  messages: ReportedMessage[];
}

export function ReportScreen(props: { id: string }) {
  const [report, setReport] = useState<Schemas["Report"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [days, setDays] = useState(7);
  const [confirmBan, setConfirmBan] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = () =>
    ok(api.GET("/api/v1/admin/reports/{report_id}", { params: { path: { report_id: props.id } } })).then(setReport, (e) => setError(errorText(e)));
  useEffect(() => void load(), [props.id]);
  if (!report) return error ? <ErrorBox error={error} /> : <Loading />;

  const reported = (report.reported ?? { profile: null, photos: [], messages: [] }) as unknown as Reported;
  const person = reported.profile;
  const name = person?.first_name ?? t.unknownPerson;
  const open = report.status === "open";

  const act = async (action: Action, mediaId?: string) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        action,
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(action === "suspend" ? { days } : {}),
        ...(mediaId ? { media_id: mediaId } : {}),
      };
      await ok(api.POST("/api/v1/admin/reports/{report_id}/actions", { params: { path: { report_id: props.id } }, body }));
      setDone(t.actionDone[action] ?? null);
      setConfirmBan(false);
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  // Oldest first, as a conversation is read (the API gives the newest first).
  const messages = [...reported.messages].reverse();
  const place = typeof person?.location === "string" ? person.location : person?.location?.label;
  return (
    <article aria-labelledby="report-title" class="report-detail">
      <Link href="/admin">{t.back(t.reportsQueue)}</Link>
      <h2 id="report-title">{t.reportTitleAdmin(name)}</h2>
      <p>
        {t.reasonLabel(reasonName(report.reason))} · {t.reportedOn(when(report.created_at))} · {t.reportStatus(t.statusNames[report.status ?? "open"] ?? "")}
      </p>
      <blockquote>{report.details || t.noDetails}</blockquote>
      {report.resolution && <p>{t.resolvedAs(t.actionNames[report.resolution] ?? report.resolution, when(report.resolved_at))}</p>}

      <section aria-labelledby="reported-title">
        <h3 id="reported-title">{t.reportedPerson}</h3>
        {person ? (
          <p>
            {[person.first_name, person.age, place].filter((x) => x != null && x !== "").join(", ")}
            {person.suspended_until && <strong> · {t.suspendedUntil(when(person.suspended_until))}</strong>}
            {person.banned && <strong> · {t.bannedLabel}</strong>}
          </p>
        ) : (
          <p>{t.unknownPerson}</p>
        )}
        {person?.bio && <p class="bio">{person.bio}</p>}
      </section>

      <section aria-labelledby="reported-photos-title">
        <h3 id="reported-photos-title">{t.reportedPhotos}</h3>
        {reported.photos.length === 0 ? (
          <p>{t.noReportedPhotos}</p>
        ) : (
          <ul class="photo-grid">
            {reported.photos.map((ph, i) => (
              <li>
                <img src={ph.thumbnail_url} alt={t.reportedPhotoAlt(i + 1)} width={120} height={120} />
                {open && (
                  <button type="button" class="secondary" disabled={busy} onClick={() => void act("remove_photo", ph.media_id)}>
                    {t.removePhoto(i + 1)}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="reported-messages-title">
        <h3 id="reported-messages-title">{t.reportedMessages}</h3>
        {messages.length === 0 ? (
          <p>{t.noReportedMessages}</p>
        ) : (
          <ol class="reported-messages">
            {messages.map((m) => (
              <li class={m.sender_id === person?.user_id ? "theirs" : "mine"}>
                <strong>{m.sender_id === person?.user_id ? name : t.senderReporter}:</strong> {m.content || (m.has_image ? t.imageMessage : "")}{" "}
                <small>{when(m.sent_at)}</small>
              </li>
            ))}
          </ol>
        )}
      </section>

      {open && (
        <section aria-labelledby="actions-title" class="actions-panel">
          <h3 id="actions-title">{t.actionsTitle}</h3>
          <Field label={t.moderatorNote} id="moderator_note">
            <textarea id="moderator_note" rows={2} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </Field>
          <Field label={t.suspendDays} id="suspend_days">
            <input id="suspend_days" type="number" min={1} max={3650} value={days} onInput={(e) => setDays(Number(e.currentTarget.value))} />
          </Field>
          <div class="actions">
            <button type="button" class="secondary" disabled={busy} onClick={() => void act("dismiss")}>
              {t.actionNames.dismiss}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => void act("warn")}>
              {t.actionNames.warn}
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void act("suspend")}>
              {t.actionNames.suspend}
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => setConfirmBan(true)}>
              {t.actionNames.ban}
            </button>
          </div>
          {confirmBan && (
            <Confirm question={t.banConfirm(name)} busy={busy} onYes={() => void act("ban")} onCancel={() => setConfirmBan(false)} />
          )}
        </section>
      )}
      <ErrorBox error={error} />
      <Notice text={done} />
    </article>
  );
}
