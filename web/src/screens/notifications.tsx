// Notifications: the list (newest first, live: a new one reloads it), mark one or all read, and which
// types the person wants at all (notification_settings of the preferences, ./settings; docs/notifications.md).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { refreshUnread } from "../notifications";
import { onFrame } from "../realtime";
import { api, errorText, me, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Link, Loading } from "../ui";
import { LanguageChoice } from "./language";
import { PushSwitch } from "./push-switch";
import { SettingsForm } from "./settings";

type Notification = Schemas["Notification"];

function describe(n: Notification): { text: string; href: string | null } {
  const c = n.content as { conversation_id?: string; match_id?: string; preview?: string; count?: number };
  const text = t.notificationText[n.type] ?? t.somethingHappened;
  switch (n.type) {
    case "match.new":
      return { text, href: c.conversation_id ? `/chats/${c.conversation_id}` : c.match_id ? `/matches/${c.match_id}` : null };
    case "message.new":
      // No preview when the message it quoted was deleted.
      return {
        text: `${text}${t.messageCount(c.count ?? 1)}${c.preview ? `: ${c.preview}` : ""}`,
        href: c.conversation_id ? `/chats/${c.conversation_id}` : null,
      };
    case "subscription.changed":
      return { text, href: "/subscription" };
    case "like.received":
      return { text, href: "/matches" };
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
                      aria-label={`${t.markRead}: ${d.text}`}
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
      <SettingsForm group="notification_settings" id="notification-settings" title={t.notificationSettings} names={t.notificationSettingNames} />
      <SettingsForm
        group="notification_settings"
        id="notification-channels"
        title={t.howToBeTold}
        names={t.notificationChannelNames}
        intro={me.value?.email_verified === false ? t.noMailBeforeVerification : undefined}
      />
      <PushSwitch />
      <LanguageChoice />
    </main>
  );
}
