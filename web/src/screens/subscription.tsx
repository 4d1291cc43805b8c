// Plans and the user's subscription: the plans with a way to pay for one (the payment provider's
// checkout page: Stripe, or the local payments sandbox), and what the user has now, with
// cancellation at the end of the period (or at once, for a plan that lapsed while the provider may
// still charge it). The plan changes only when the provider's signed webhook
// reaches the server, so after paying this screen waits for it (docs/subscriptions.md).
import { useEffect, useRef, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, ApiError, errorText, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Field, Link, Notice, Pending } from "../ui";

type Subscription = Awaited<ReturnType<typeof loadSubscription>>;

function loadSubscription() {
  return ok(api.GET("/api/v1/subscription"));
}

function money(amountMinor: number | undefined, currency: string | undefined): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency: currency ?? "EUR" }).format((amountMinor ?? 0) / 100);
}

// The currency of the browser's region where the plans are priced in it (the region's own, else
// the euro, else the first there is): one price list, not every currency's at once.
const REGION_CURRENCY: Record<string, string> = { US: "USD", GB: "GBP", CA: "CAD", AU: "AUD", CH: "CHF" };
function preferredCurrency(offered: string[]): string {
  let region = "";
  try {
    region = new Intl.Locale(navigator.language).maximize().region ?? "";
  } catch {
    // an unparsable language tag: no region
  }
  const own = REGION_CURRENCY[region];
  if (own && offered.includes(own)) return own;
  return offered.includes("EUR") ? "EUR" : (offered[0] ?? "EUR");
}

export function PlansScreen() {
  const [plans, setPlans] = useState<Schemas["Plan"][] | null>(null);
  const [chosenCurrency, setChosenCurrency] = useState<string | null>(null);
  const [current, setCurrent] = useState<Subscription | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    Promise.all([ok(api.GET("/api/v1/plans")), loadSubscription()]).then(
      ([p, s]) => {
        setPlans(p.plans ?? []);
        setCurrent(s);
      },
      (e) => setError(e instanceof ApiError ? e.message : errorText(e)),
    );
  }, []);
  if (!plans) return <Pending error={error} />;
  const paying = current?.in_force && current.plan_id !== "free";
  const currentPlan = current?.in_force ? current.plan_id : "free";
  const currencies = [...new Set(plans.flatMap((p) => (p.prices ?? []).map((price) => price.currency ?? "EUR")))];
  const currency = chosenCurrency ?? preferredCurrency(currencies);
  const checkout = async (plan_id: string, interval: "month" | "year", currency: string) => {
    setBusy(true);
    setError(null);
    try {
      const session = await ok(api.POST("/api/v1/subscription/checkout", { body: { plan_id, interval, currency } }));
      // The provider's own page takes the card; it sends the person back to /subscription.
      location.assign(session.url);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <main>
      <h1>{t.plans}</h1>
      <ErrorBox error={error} />
      {paying && (
        <p>
          {t.youHave(plans.find((p) => p.plan_id === current!.plan_id)?.name ?? current!.plan_id ?? "")}{" "}
          <Link href="/subscription">{t.yourSubscription}</Link>
        </p>
      )}
      {currencies.length > 1 && (
        <Field label={t.pricesIn} id="currency">
          <select id="currency" value={currency} onChange={(e) => setChosenCurrency(e.currentTarget.value)}>
            {currencies.map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </Field>
      )}
      <ul class="plans">
        {plans.map((p) => {
          const e = p.entitlements ?? {};
          return (
            <li class="card plan">
              <h2>
                {p.name}
                {p.plan_id === currentPlan && (
                  <>
                    {" "}
                    <span class="badge active">{t.yourPlan}</span>
                  </>
                )}
              </h2>
              <ul>
                {Object.entries(t.entitlementNames).map(([k, label]) =>
                  (e as Record<string, unknown>)[k] ? <li>{label}</li> : null,
                )}
                <li>{t.likesPerDay(e.likes_per_day)}</li>
                {e.generations_per_day != null && <li>{t.generationsPerDay(e.generations_per_day)}</li>}
              </ul>
              {(p.prices ?? []).filter((price) => (price.currency ?? "EUR") === currency).map((price) => {
                const label = `${money(price.amount_minor, price.currency)} ${price.interval === "year" ? t.perYear : t.perMonth}`;
                return (
                  <p class="price">
                    {label}{" "}
                    {!paying && (
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={t.upgradeTo(p.name ?? "", label)}
                        onClick={() => checkout(p.plan_id ?? "", price.interval === "year" ? "year" : "month", price.currency ?? "EUR")}
                      >
                        {t.choosePlan}
                      </button>
                    )}
                  </p>
                );
              })}
            </li>
          );
        })}
      </ul>
    </main>
  );
}

export function SubscriptionScreen() {
  const outcome = new URLSearchParams(location.search).get("checkout");
  const [sub, setSub] = useState<Subscription | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [waiting, setWaiting] = useState<string | null>(outcome === "success" ? t.waitingForPayment : null);
  const [busy, setBusy] = useState(false);
  const alive = useRef(true);
  // Reads the subscription until `done` holds (at most ~30 s): a change is recorded when the
  // provider's webhook lands, which can be a moment after the person comes back.
  const refreshUntil = async (done: (s: Subscription) => boolean) => {
    for (let left = 30; alive.current; left--) {
      const s = await loadSubscription();
      if (!alive.current) return;
      setSub(s);
      if (done(s) || left === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    setWaiting(null);
  };
  useEffect(() => {
    refreshUntil((s) => outcome !== "success" || (!!s.in_force && s.plan_id !== "free")).catch((e) => setError(errorText(e)));
    return () => {
      alive.current = false;
    };
  }, []);
  if (!sub) return <Pending error={error} />;
  const paid = sub.in_force && sub.plan_id !== "free";
  // A plan's id in words ("premium": "Premium"); the plans screen has their names and features.
  const planName = (sub.plan_id ?? "").replace(/^./, (c) => c.toUpperCase());
  // Expired here (its grace over) while the provider may still retry the card: a cancel ends it at once.
  const lapsed = sub.status === "expired";
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      setSub(await ok(api.POST("/api/v1/subscription/cancel")));
      setWaiting(t.waitingForCancellation);
      // Done when the provider's event is recorded: at the period's end, or ended (a lapsed plan).
      await refreshUntil((s) => !s.can_cancel);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <h1>{t.yourSubscription}</h1>
      {outcome === "cancel" && <Notice text={t.checkoutCancelled} />}
      <Notice text={waiting ?? (outcome === "success" && paid ? t.paymentConfirmed(planName) : null)} />
      <ErrorBox error={error} />
      <dl class="subscription">
        <dt>{t.planLabel}</dt>
        <dd>{planName}</dd>
        <dt>{t.statusLabel}</dt>
        <dd>{t.subscriptionStatuses[sub.status ?? ""] ?? sub.status}</dd>
        {sub.period_end && (
          <>
            {/* A plan given by staff (comp) is not paid for, so nothing renews it. */}
            <dt>{sub.payment_method === "comp" ? t.givenUntil : sub.cancel_at_period_end ? t.endsOn : t.renewsOn}</dt>
            <dd>{new Date(sub.period_end).toLocaleDateString()}</dd>
          </>
        )}
      </dl>
      {sub.can_cancel && lapsed && <p>{t.lapsedMayCharge}</p>}
      {sub.can_cancel && (
        <button type="button" class="secondary" disabled={busy} onClick={cancel}>
          {lapsed ? t.cancelNow : t.cancelAtPeriodEnd}
        </button>
      )}
      {paid ? (
        <p>
          <Link href="/plans">{t.whatPlansInclude}</Link>
        </p>
      ) : (
        <Link href="/plans" class="button">
          {t.upgrade}
        </Link>
      )}
    </main>
  );
}
