// Notifications: the list (newest first, live: a new one reloads it), mark one or all read, and which
// types the person wants at all (notification_settings of the preferences; docs/notifications.md).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { refreshUnread } from "../notifications";
import { onFrame } from "../realtime";
import { api, errorText, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Link, Loading, Notice } from "../ui";

type Notification = Schemas["Notification"];
type Settings = Schemas["NotificationSettings"];

function describe(n: Notification): { text: string; href: string | null } {
  const c = n.content as { conversation_id?: string; match_id?: string; preview?: string; count?: number };
  const text = t.notificationText[n.type] ?? t.somethingHappened;
  switch (n.type) {
    case "match.new":
      return { text, href: c.conversation_id ? `/chats/${c.conversation_id}` : c.match_id ? `/matches/${c.match_id}` : null };
    case "message.new":
      return { text: `${text}${t.messageCount(c.count ?? 1)}: ${c.preview ?? ""}`, href: c.conversation_id ? `/chats/${c.conversation_id}` : null };
    case "subscription.changed":
      return { text, href: "/subscription" };
    default:
      return { text, href: null };
  }
}

export function NotificationsScreen() {
  const [list, setList] = useState<Notification[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    ok(api.GET("/api/v1/notifications", { params: { query: { limit: 50 } } })).then(
      (p) => {
        setList(p.notifications);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  useEffect(() => {
    void load();
    return onFrame((f) => {
      if (f.type === "notification.new" || f.type === "match.new") void load();
    });
  }, []);
  const act = async (call: Promise<unknown>) => {
    try {
      await call;
      await Promise.all([load(), refreshUnread()]);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <main>
      <h1>{t.notifications}</h1>
      <ErrorBox error={error} />
      {!list ? (
        !error && <Loading />
      ) : list.length === 0 ? (
        <p>{t.noNotifications}</p>
      ) : (
        <>
          <button type="button" class="secondary" onClick={() => void act(ok(api.POST("/api/v1/notifications/read-all")))}>
            {t.markAllRead}
          </button>
          <ul class="notifications">
            {list.map((n) => {
              const d = describe(n);
              return (
                <li class={n.is_read ? "read" : "unread"}>
                  {!n.is_read && <span class="badge unread">{t.new}</span>}
                  {d.href ? <Link href={d.href}>{d.text}</Link> : <span>{d.text}</span>}
                  <time class="muted" dateTime={n.created_at}>
                    {new Date(n.created_at).toLocaleString()}
                  </time>
                  {!n.is_read && (
                    <button
                      type="button"
                      class="link"
                      onClick={() =>
                        void act(ok(api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: n.notification_id } } })))
                      }
                    >
                      {t.markRead}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <NotificationSettingsForm />
    </main>
  );
}

function NotificationSettingsForm() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    ok(api.GET("/api/v1/me/preferences")).then(
      (p) => setSettings(p.notification_settings),
      (e) => setError(errorText(e)),
    );
  }, []);
  const change = async (key: keyof Settings, box: HTMLInputElement) => {
    if (!settings) return;
    const on = box.checked;
    setSaved(false);
    setError(null);
    try {
      const p = await ok(api.PUT("/api/v1/me/preferences", { body: { notification_settings: { ...settings, [key]: on } } }));
      setSettings(p.notification_settings);
      setSaved(true);
    } catch (e) {
      // Not saved: the box shows what is stored again (the state did not change, so no render would).
      box.checked = !on;
      setError(errorText(e));
    }
  };
  return (
    <section aria-labelledby="notification-settings">
      <h2 id="notification-settings">{t.notificationSettings}</h2>
      {!settings ? (
        error ? <ErrorBox error={error} /> : <Loading />
      ) : (
        <fieldset>
          <legend class="sr-only">{t.notificationSettings}</legend>
          {(Object.keys(t.notificationSettingNames) as (keyof Settings)[]).map((key) => (
            <label class="choice">
              <input type="checkbox" checked={settings[key] !== false} onChange={(e) => void change(key, e.currentTarget)} />
              {t.notificationSettingNames[key]}
            </label>
          ))}
          <ErrorBox error={error} />
          {saved && <Notice text={t.saved} />}
        </fieldset>
      )}
    </section>
  );
}
