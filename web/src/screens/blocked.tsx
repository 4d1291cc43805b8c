// The people one blocked (GET /me/blocks), newest first, each with a way to unblock them: a block
// made by mistake, or one that no longer matters, is not for good.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Loading, Notice, useRun } from "../ui";

export function BlockedPeople() {
  const [blocks, setBlocks] = useState<Schemas["BlockedPerson"][] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useRun();
  const load = async () => setBlocks((await ok(api.GET("/api/v1/me/blocks"))).blocks);
  useEffect(() => void run(load), []);
  const nameOf = (person: Schemas["BlockedPerson"]) => person.first_name ?? t.someoneBlocked;
  const unblock = (person: Schemas["BlockedPerson"]) =>
    run(async () => {
      setNotice(null);
      await ok(api.DELETE("/api/v1/users/{user_id}/block", { params: { path: { user_id: person.user_id } } }));
      await load();
      setNotice(t.unblocked(nameOf(person)));
    });
  return (
    <section aria-labelledby="blocked-people" class="account-section">
      <h2 id="blocked-people">{t.blockedPeople}</h2>
      {blocks === null && !error && <Loading />}
      {blocks && blocks.length === 0 && <p>{t.noBlockedPeople}</p>}
      {blocks && blocks.length > 0 && (
        <ul class="devices">
          {blocks.map((b) => (
            <li key={b.user_id}>
              <strong>{nameOf(b)}</strong> {t.blockedOn(new Date(b.blocked_at).toLocaleDateString())}{" "}
              <button type="button" class="secondary" disabled={busy} onClick={() => void unblock(b)}>
                {t.unblock(nameOf(b))}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Notice text={notice} />
      <ErrorBox error={error} />
    </section>
  );
}
