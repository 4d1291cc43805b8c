// Web Push on this device (docs/web.md "Push"): the service worker /sw.js, and the switch "Allow
// notifications on this device": permission, a subscription with the server's VAPID key
// (GET /push/vapid-public-key), POST /me/push-subscriptions; turned off: DELETE and unsubscribe.
// Every failure is an Error in words the switch shows.
import { api, ok } from "./session";
import { t } from "./strings";

const SW = "/sw.js";
const SUBSCRIBE_WAIT_MS = 20_000;

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** Registers the service worker (at start; it shows pushes even with the app closed). */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(SW).catch(() => undefined);
}

/** This browser's push subscription under our service worker, if it has one. */
async function deviceSubscription(): Promise<PushSubscription | null | undefined> {
  const reg = await navigator.serviceWorker.getRegistration(SW);
  return reg && (await reg.pushManager.getSubscription());
}

/** Whether this browser has a push subscription now. */
export async function pushIsOn(): Promise<boolean> {
  if (!pushSupported()) return false;
  return !!(await deviceSubscription());
}

/** Drops this browser's subscription without asking the server: the session it was made in has
 * ended, and the server's record of it with the session. Otherwise the switch would still read "on"
 * for whoever signs in next on this browser, with no push coming. */
export async function forgetDevicePush(): Promise<void> {
  if (!pushSupported()) return;
  await (await deviceSubscription())?.unsubscribe();
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export async function turnPushOn(): Promise<void> {
  if (!pushSupported()) throw new Error(t.pushUnsupported);
  if ((await Notification.requestPermission()) !== "granted") throw new Error(t.pushDenied);
  const { public_key } = await ok(api.GET("/api/v1/push/vapid-public-key"));
  await navigator.serviceWorker.register(SW);
  const reg = await navigator.serviceWorker.ready;
  let sub: PushSubscription;
  try {
    // A browser that cannot reach its push service may fail at once or never answer.
    sub = await Promise.race([
      reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), SUBSCRIBE_WAIT_MS)),
    ]);
  } catch {
    throw new Error(t.pushServiceUnreachable);
  }
  const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  try {
    await ok(api.POST("/api/v1/me/push-subscriptions", { body: { endpoint: json.endpoint, keys: json.keys } }));
  } catch (e) {
    await sub.unsubscribe().catch(() => undefined);
    throw e;
  }
}

export async function turnPushOff(): Promise<void> {
  const sub = await deviceSubscription();
  if (!sub) return;
  await ok(api.DELETE("/api/v1/me/push-subscriptions", { params: { query: { endpoint: sub.endpoint } } })).catch((e) => {
    // Already gone on the server (removed after a 410, or from another session): unsubscribe anyway.
    if (!(e && typeof e === "object" && "status" in e && (e as { status: number }).status === 404)) throw e;
  });
  await sub.unsubscribe();
}
