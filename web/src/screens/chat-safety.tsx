// Safety from inside a chat: unmatch, block (each after a confirmation, since neither can be undone
// from here) and report to the moderators. The server closes the conversation for both people on an
// unmatch or a block, and both sockets get `conversation.closed` (the blocked person's says
// `unmatched`: docs/realtime.md).
import { useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, ok } from "../session";
import { t } from "../strings";
import { Confirm, ErrorBox, Field, FieldProblems, InPlace, Notice, useRun, Options } from "../ui";

type Pending = "unmatch" | "block" | "report" | null;

export function ChatSafety(props: { matchId?: string; userId?: string; name: string; closed: boolean; onClosed: (reason: string) => void }) {
  const [pending, setPending] = useState<Pending>(null);
  // None chosen at first: a hurried report must not go with a reason its sender never picked.
  const [reason, setReason] = useState<Schemas["ReportReason"] | "">("");
  const [details, setDetails] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, problems, run: runAction } = useRun();
  const { matchId, userId, name } = props;

  const run = (action: () => Promise<void>) =>
    runAction(async () => {
      await action();
      setPending(null);
    });
  const unmatch = () =>
    run(async () => {
      if (!matchId) return;
      await ok(api.POST("/api/v1/matches/{match_id}/unmatch", { params: { path: { match_id: matchId } } }));
      props.onClosed("unmatched");
    });
  const block = () =>
    run(async () => {
      if (!userId) return;
      await ok(api.POST("/api/v1/users/{user_id}/block", { params: { path: { user_id: userId } } }));
      props.onClosed("blocked");
    });
  const report = () =>
    run(async () => {
      if (!userId || !reason) return;
      await ok(api.POST("/api/v1/users/{user_id}/report", { params: { path: { user_id: userId } }, body: { reason, details: details.trim() || null } }));
      setReason("");
      setDetails("");
      setDone(t.reportSent);
    });

  const confirm = (question: string, yes: () => Promise<void>) => (
    <Confirm question={question} busy={busy} onYes={() => void yes()} onCancel={() => setPending(null)} />
  );

  return (
    <section class="safety" aria-labelledby="safety-title">
      <h2 id="safety-title">{t.safety}</h2>
      <div class="actions">
        {!props.closed && matchId && (
          <button type="button" class="secondary" onClick={() => setPending("unmatch")}>
            {t.unmatch}
          </button>
        )}
        {!props.closed && userId && (
          <button type="button" class="secondary" onClick={() => setPending("block")}>
            {t.block}
          </button>
        )}
        {userId && (
          <button type="button" class="secondary" onClick={() => setPending("report")}>
            {t.report}
          </button>
        )}
      </div>
      {pending === "unmatch" && confirm(t.unmatchConfirm(name), unmatch)}
      {pending === "block" && confirm(t.blockConfirm(name), block)}
      {pending === "report" && (
        <InPlace first="select" onClose={() => setPending(null)}>
          <form
            class="report"
            aria-label={t.reportTitle(name)}
            onSubmit={(e) => {
              e.preventDefault();
              void report();
            }}
          >
            <FieldProblems.Provider value={problems}>
              <Field label={t.reportReason} id="report_reason" name="reason">
                <select id="report_reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value as Schemas["ReportReason"])}>
                  <option value="">{t.chooseReason}</option>
                  <Options labels={t.reportReasons} />
                </select>
              </Field>
              <Field label={t.reportDetails} id="report_details" name="details">
                <textarea id="report_details" maxLength={2000} rows={3} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />
              </Field>
            </FieldProblems.Provider>
            <div class="actions">
              <button type="submit" disabled={busy}>
                {t.sendReport}
              </button>
              <button type="button" class="secondary" onClick={() => setPending(null)}>
                {t.cancel}
              </button>
            </div>
          </form>
        </InPlace>
      )}
      <ErrorBox error={error} />
      <Notice text={done} />
    </section>
  );
}
