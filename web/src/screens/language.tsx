// The language the server writes the user's emails and push messages in (Preferences.language,
// docs/notifications.md "Language"): saved when it changes; a refusal puts back what is stored.
// The choices are the server's (the Language enum of docs/openapi.yaml), named in t.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Field, Notice, useRun, Options } from "../ui";

type Language = Schemas["Language"];

export function LanguageChoice() {
  const [language, setLanguage] = useState<Language | null>(null);
  const [saved, setSaved] = useState(false);
  const { error, run } = useRun();
  useEffect(() => {
    void run(async () => setLanguage((await ok(api.GET("/api/v1/me/preferences"))).language));
  }, []);
  const change = (next: Language) => {
    const stored = language;
    setLanguage(next);
    setSaved(false);
    void run(async () => {
      try {
        setLanguage((await ok(api.PUT("/api/v1/me/preferences", { body: { language: next } }))).language);
        setSaved(true);
      } catch (e) {
        setLanguage(stored);
        throw e;
      }
    });
  };
  return (
    <section class="apart">
      <Field label={t.messageLanguage} id="message-language">
        <select id="message-language" value={language ?? ""} disabled={!language} onChange={(e) => change(e.currentTarget.value as Language)}>
          <Options labels={t.messageLanguageNames} />
        </select>
      </Field>
      <ErrorBox error={error} />
      {saved && <Notice text={t.saved} />}
    </section>
  );
}
