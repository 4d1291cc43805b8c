// The account's signed-in devices: each session with its browser and when it was used, and a way to
// sign any other one out (someone who learnt the password, a phone left behind). The server lists no
// IP address, so neither does this.
import { useEffect, useState } from "preact/hooks";
import type { components } from "../api/schema";
import { api, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Loading, useRun } from "../ui";

type Session = components["schemas"]["SessionList"]["sessions"][number];

/** "Chrome on Android" from a User-Agent, as far as the common browsers tell; else the text itself. */
export function deviceName(userAgent: string): string {
  const browser = [
    [/Edg\//, "Edge"],
    [/Firefox\//, "Firefox"],
    [/(Chrome|Chromium|CriOS)\//, "Chrome"],
    [/Version\/[\d.]+.*Safari\//, "Safari"],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  const system = [
    [/Android/, "Android"],
    [/iPhone|iPad/, "iOS"],
    [/Windows/, "Windows"],
    [/CrOS/, "ChromeOS"],
    [/Mac OS X/, "macOS"],
    [/Linux/, "Linux"],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  if (browser && system) return t.deviceOn(browser, system);
  return browser ?? system ?? (userAgent.slice(0, 60) || t.unknownDevice);
}

export function Devices() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const { busy, error, run } = useRun();
  const load = () => run(async () => setSessions((await ok(api.GET("/api/v1/me/sessions"))).sessions));
  useEffect(() => void load(), []);
  const end = (id: string) =>
    run(async () => {
      await ok(api.DELETE("/api/v1/me/sessions/{session_id}", { params: { path: { session_id: id } } }));
      setSessions((await ok(api.GET("/api/v1/me/sessions"))).sessions);
    });
  return (
    <section aria-labelledby="devices" class="account-section">
      <h2 id="devices">{t.devices}</h2>
      <p>{t.devicesIntro}</p>
      {sessions === null && !error && <Loading />}
      {sessions && (
        <ul class="devices">
          {sessions.map((s) => (
            <li key={s.session_id}>
              <strong>{deviceName(s.user_agent)}</strong>
              {s.current && <> ({t.thisDevice})</>}
              <br />
              {t.deviceTimes(new Date(s.created_at).toLocaleString(), new Date(s.last_seen).toLocaleString())}
              {!s.current && (
                <>
                  {" "}
                  <button type="button" class="secondary" disabled={busy} onClick={() => void end(s.session_id)}>
                    {t.signOutDevice}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
