// On/off settings of a group of the preferences (PUT /me/preferences merges them key by key): the
// notification settings on the notifications screen (what to be told about, and how, as two of
// these), the privacy settings on the account screen. Each box is saved when it changes, alone (a
// change made meanwhile in another form or tab is not undone by sending the whole group back); a
// refusal puts it back to what is stored and says why.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Loading, Notice, useRun } from "../ui";

type Group = "notification_settings" | "privacy_settings";
type Settings = Record<string, boolean | undefined>;

export function SettingsForm(props: { group: Group; id: string; title: string; names: Record<string, string>; intro?: string }) {
  const { group } = props;
  const [settings, setSettings] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(false);
  const { error, run } = useRun();
  useEffect(() => {
    void run(async () => setSettings((await ok(api.GET("/api/v1/me/preferences")))[group] as Settings));
  }, []);
  // The box shows the change at once; a refusal puts back what is stored.
  const change = (key: string, on: boolean) => {
    if (!settings) return;
    const stored = settings;
    setSettings({ ...stored, [key]: on });
    setSaved(false);
    void run(async () => {
      try {
        const body = { [group]: { [key]: on } } as Schemas["PreferencesPatch"];
        setSettings((await ok(api.PUT("/api/v1/me/preferences", { body })))[group] as Settings);
        setSaved(true);
      } catch (e) {
        setSettings(stored);
        throw e;
      }
    });
  };
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.intro && <p class="hint">{props.intro}</p>}
      {!settings ? (
        error ? <ErrorBox error={error} /> : <Loading />
      ) : (
        <fieldset>
          <legend class="sr-only">{props.title}</legend>
          {Object.keys(props.names).map((key) => (
            <label class="choice">
              <input type="checkbox" checked={settings[key] !== false} onChange={(e) => change(key, e.currentTarget.checked)} />
              {props.names[key]}
            </label>
          ))}
          <ErrorBox error={error} />
          {saved && <Notice text={t.saved} />}
        </fieldset>
      )}
    </section>
  );
}
