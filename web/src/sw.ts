// The service worker (served as /sw.js, scope /; docs/web.md "Push"): shows each Web Push message
// the server sends (docs/notifications.md "Push": {title, body, url, type, notification_id}) and,
// on a click, focuses a window of the app on the message's page or opens one. Only paths of this
// origin are opened, whatever the message says.
// (Typed loosely: the app's TypeScript settings are the page's, not a worker's.)
/* eslint-disable @typescript-eslint/no-explicit-any */
import { localPath as pathOn } from "./local_path";

const sw = self as any;
const localPath = (url: string | undefined) => pathOn(url, sw.location.origin);

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  type?: string;
  notification_id?: string;
}

async function windows(): Promise<any[]> {
  return sw.clients.matchAll({ type: "window", includeUncontrolled: true });
}

sw.addEventListener("install", () => sw.skipWaiting());
sw.addEventListener("activate", (event: any) => event.waitUntil(sw.clients.claim()));

sw.addEventListener("push", (event: any) => {
  let data: PushPayload = {};
  try {
    data = event.data ? (event.data.json() as PushPayload) : {};
  } catch {
    data = {};
  }
  const path = localPath(data.url);
  event.waitUntil(
    (async () => {
      await sw.registration.showNotification(data.title || "Perfect Match", {
        body: data.body ?? "",
        tag: data.notification_id ?? path,
        data: { path },
      });
      // An open window hears of it too (the bell's count is read again).
      for (const w of await windows()) w.postMessage({ type: "push", payload: { ...data, path } });
    })(),
  );
});

/** What a click on one of our notifications does: the app's page of the message in a window of
 * this origin that is open already (told where to go, then brought to the front), else in a new
 * window. A named function (on the worker's global too) so that a test can run it with a real
 * notification from registration.getNotifications(): a browser clicks nothing in a test. */
async function openNotification(notification: { data?: { path?: string } }): Promise<void> {
  const path = localPath(notification.data?.path);
  for (const w of await windows()) {
    if (new URL(w.url).origin !== sw.location.origin) continue;
    // Told first: the page goes there even where bringing it to the front is refused (focus()
    // needs the click's user activation, which a test's call does not have).
    w.postMessage({ type: "open", path });
    await w.focus().catch(() => undefined);
    return;
  }
  await sw.clients.openWindow(path);
}
sw.openNotification = openNotification;

sw.addEventListener("notificationclick", (event: any) => {
  event.notification.close();
  event.waitUntil(openNotification(event.notification));
});
