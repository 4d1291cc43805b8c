#include "subscriptions/payment_events.hpp"

#include "core/text.hpp"

namespace pm::subscriptions {

namespace {

std::optional<std::string> event_str(const Json& o, const char* key) {
  if (o.is_object() && o.contains(key) && o[key].is_string() && !o[key].get<std::string>().empty())
    return o[key].get<std::string>();
  // An expanded object ({"id": ...}) where an id is expected.
  if (o.is_object() && o.contains(key) && o[key].is_object() && o[key].contains("id") && o[key]["id"].is_string())
    return o[key]["id"].get<std::string>();
  return std::nullopt;
}

std::optional<std::int64_t> event_num(const Json& o, const char* key) {
  if (o.is_object() && o.contains(key) && o[key].is_number_integer()) return o[key].get<std::int64_t>();
  return std::nullopt;
}

const Json& event_child(const Json& o, const char* key) {
  static const Json kNull;
  return o.is_object() && o.contains(key) ? o[key] : kNull;
}

// The user id we sent at checkout, read back: nullopt unless it is one (anyone can post an event
// here; the signature check is the caller's).
std::optional<UserId> user_of(const Json& o, const char* key) {
  auto text = event_str(o, key);
  return text ? UserId::parse(*text) : std::nullopt;
}

// metadata, wherever Stripe puts it for this object: its own, or the subscription's snapshot on an
// invoice (subscription_details, or parent.subscription_details in newer API versions).
void read_metadata(ProviderEvent& e, const Json& object) {
  for (const Json* m :
       {&event_child(object, "metadata"), &event_child(event_child(object, "subscription_details"), "metadata"),
        &event_child(event_child(event_child(object, "parent"), "subscription_details"), "metadata")}) {
    if (!e.user_id) e.user_id = user_of(*m, "user_id");
    if (!e.plan_id) e.plan_id = event_str(*m, "plan_id");
    if (!e.interval) e.interval = event_str(*m, "interval");
  }
}

void read_card(ProviderEvent& e, const Json& object) {
  for (const Json* card : {&event_child(event_child(object, "default_payment_method"), "card"),
                           &event_child(event_child(object, "payment_method_details"), "card")}) {
    if (!card->is_object()) continue;
    e.card_brand = event_str(*card, "brand");
    auto last4 = event_str(*card, "last4");
    if (last4 && last4->size() == 4 && last4->find_first_not_of("0123456789") == std::string::npos)
      e.card_last4 = last4;
    return;
  }
}

}  // namespace

Result<ProviderEvent> parse_stripe_event(const Json& doc, std::int64_t now) {
  // How far the provider's clock may run ahead of ours. A later `created` is no event: it would
  // make every real event after it stale (and past a date PostgreSQL can hold, fail to store).
  constexpr std::int64_t kClockAhead = 3600;
  auto invalid = [](const char* field, const char* message) {
    Problem p("validation-failed", "the body is not a payment event");
    p.extensions["errors"] = Json::array({Json{{"field", field}, {"message", message}}});
    return std::unexpected(p);
  };
  if (!doc.is_object()) return invalid("", "must be an event object");
  ProviderEvent e;
  auto id = event_str(doc, "id");
  // (Printable ASCII, as the provider's are: stored as text, "evt\u0000a" and "evt\u0000b" were one
  // event, the second dropped as its duplicate.)
  if (!id || id->size() > 255 || !ascii_printable(*id)) return invalid("id", "must be the event's id");
  e.id = *id;
  auto type = event_str(doc, "type");
  if (!type || type->size() > 255 || !ascii_printable(*type)) return invalid("type", "must be the event's type");
  e.type = *type;
  auto created = event_num(doc, "created");
  if (!created || *created <= 0 || *created > now + kClockAhead)
    return invalid("created", "must be the event's creation time (unix seconds), not later than now");
  e.created = *created;
  const Json& object = event_child(event_child(doc, "data"), "object");
  if (!object.is_object()) return invalid("data.object", "must be the object the event is about");

  read_metadata(e, object);
  read_card(e, object);
  e.customer_id = event_str(object, "customer");
  if (e.type == "checkout.session.completed" || e.type == "checkout.session.async_payment_succeeded") {
    // A delayed payment method (a bank debit) completes the checkout "unpaid": the subscription is
    // linked, and only the money's arrival (async_payment_succeeded, invoice.paid) puts it in force.
    const bool unpaid = event_str(object, "payment_status").value_or("paid") == "unpaid";
    e.kind = unpaid ? EventKind::checkout_unpaid : EventKind::checkout_completed;
    if (auto ref = user_of(object, "client_reference_id")) e.user_id = ref;
    e.subscription_id = event_str(object, "subscription");
    if (event_str(object, "mode").value_or("subscription") != "subscription") e.kind = EventKind::other;
  } else if (e.type == "invoice.paid" || e.type == "invoice.payment_failed") {
    e.kind = e.type == "invoice.paid" ? EventKind::invoice_paid : EventKind::payment_failed;
    e.subscription_id = event_str(object, "subscription");
    if (!e.subscription_id)
      e.subscription_id = event_str(event_child(event_child(object, "parent"), "subscription_details"), "subscription");
    const Json& lines = event_child(event_child(object, "lines"), "data");
    if (lines.is_array() && !lines.empty()) e.period_end = event_num(event_child(lines[0], "period"), "end");
  } else if (e.type == "customer.subscription.updated" || e.type == "customer.subscription.created" ||
             e.type == "customer.subscription.deleted") {
    e.kind =
        e.type == "customer.subscription.deleted" ? EventKind::subscription_deleted : EventKind::subscription_updated;
    e.subscription_id = event_str(object, "id");
    e.status = event_str(object, "status");
    e.period_end = event_num(object, "current_period_end");
    const Json& items = event_child(event_child(object, "items"), "data");
    if (!e.period_end && items.is_array() && !items.empty()) e.period_end = event_num(items[0], "current_period_end");
    if (object.contains("cancel_at_period_end") && object["cancel_at_period_end"].is_boolean())
      e.cancel_at_period_end = object["cancel_at_period_end"].get<bool>();
  }
  return e;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::applied:
      return "applied";
    case Outcome::stale:
      return "stale";
    case Outcome::ignored:
      return "ignored";
  }
  return "ignored";
}

Outcome apply_event(BillingState& s, const ProviderEvent& e, const std::string& provider, int grace_days,
                    std::int64_t now) {
  if (e.kind == EventKind::other) return Outcome::ignored;
  if (s.state_at && e.created < *s.state_at) return Outcome::stale;
  // The same second as the state's (the provider stamps whole seconds, and sends one action's events
  // within one): the order cannot tell, and a paid plan is not taken back to "not yet paid" by the
  // subscription's own earlier "incomplete" arriving late (a redelivery), or it would wait for the
  // next renewal's event, up to a month.
  if (s.state_at && e.created == *s.state_at && (s.payment_status == "active" || s.payment_status == "trialing") &&
      e.kind == EventKind::subscription_updated && e.status == "incomplete")
    return Outcome::stale;
  // The one staff replaced: its cancellation's event, or an invoice already under way, must not
  // undo their plan nor bring the paid one back.
  if (e.subscription_id && e.subscription_id == s.replaced_subscription_id) return Outcome::ignored;
  // One the provider ended for good, which it never revives: a later event about it (an update of
  // the deletion's second delivered after it, a cancellation's final invoice) must not put it back
  // in force, premium that nobody pays for.
  if (e.subscription_id && e.subscription_id == s.ended_subscription_id) return Outcome::ignored;
  // An event about another subscription than the row's (an old one, ended and replaced) changes
  // nothing; a checkout that completed starts the new one, and once the row's has ended, so may
  // the new one's other events (its creation may come before its checkout's). Never the end of
  // another one: it says nothing of the row's (and would make it the row's, the one ended for good).
  const bool current_ended =
      s.payment_status == "canceled" || s.payment_status == "expired" || s.payment_status == "not_required";
  const bool ends_it =
      e.kind == EventKind::subscription_deleted ||
      (e.kind == EventKind::subscription_updated && (e.status == "canceled" || e.status == "incomplete_expired"));
  if (s.subscription_id && e.subscription_id && *s.subscription_id != *e.subscription_id &&
      (ends_it || (e.kind != EventKind::checkout_completed && !current_ended)))
    return Outcome::ignored;

  if (e.kind == EventKind::checkout_unpaid) {
    // Only the link to the subscription, so that its later events find the row: no plan, no
    // status, nothing in force before the money is.
    if (e.subscription_id) s.subscription_id = e.subscription_id;
    if (e.customer_id) s.customer_id = e.customer_id;
    s.provider = provider;
    s.state_at = e.created;
    return Outcome::applied;
  }
  const bool new_subscription = !s.subscription_id || (e.subscription_id && *e.subscription_id != *s.subscription_id);
  if (e.subscription_id) s.subscription_id = e.subscription_id;
  if (e.customer_id) s.customer_id = e.customer_id;
  if (e.plan_id) s.plan_type = *e.plan_id;
  if (e.card_brand) s.card_brand = e.card_brand;
  if (e.card_last4) s.card_last4 = e.card_last4;
  s.provider = provider;
  s.payment_method = "card";
  s.state_at = e.created;
  if (new_subscription) {
    s.start_date = e.created;
    s.cancel_at_period_end = false;
  }
  // Grace is for a plan that was paid for and whose renewal failed. A subscription never paid (its
  // first payment failed) waits as pending, and one whose grace ran out stays as it is: else each of
  // the provider's retries of a dead card would give the plan again.
  const bool was_paid_for = !new_subscription && (s.payment_status == "active" || s.payment_status == "trialing" ||
                                                  (s.payment_status == "past_due" && s.grace_until));
  auto enter_grace = [&] {
    if (!was_paid_for) {
      if (new_subscription || s.payment_status == "not_required") s.payment_status = "pending";
      return;
    }
    if (s.payment_status != "past_due") s.grace_until = now + std::int64_t(grace_days) * 86400;
    s.payment_status = "past_due";
  };

  switch (e.kind) {
    case EventKind::checkout_completed:
      // Paid at checkout: in force for the first period until the invoice or subscription event
      // gives its exact end.
      if (new_subscription || s.payment_status == "not_required" || s.payment_status == "canceled" ||
          s.payment_status == "expired") {
        s.payment_status = "active";
        s.grace_until.reset();
        if (!s.end_date || *s.end_date < e.created || new_subscription)
          s.end_date = e.created + (e.interval.value_or("month") == "year" ? 366 : 31) * std::int64_t(86400);
      }
      break;
    case EventKind::invoice_paid:
      s.payment_status = "active";
      s.grace_until.reset();
      if (e.period_end) s.end_date = e.period_end;
      break;
    case EventKind::payment_failed:
      enter_grace();
      break;
    case EventKind::subscription_updated: {
      const std::string status = e.status.value_or(s.payment_status);
      if (status == "active" || status == "trialing") {
        s.payment_status = status;
        s.grace_until.reset();
      } else if (status == "past_due") {
        enter_grace();
      } else if (status == "canceled") {
        s.payment_status = "canceled";
        s.ended_subscription_id = s.subscription_id;
      } else if (status == "unpaid" || status == "incomplete_expired") {
        s.payment_status = "expired";
        if (status == "incomplete_expired") s.ended_subscription_id = s.subscription_id;
      } else if (status == "incomplete" || status == "paused") {
        s.payment_status = "pending";
      }
      if (e.period_end) s.end_date = e.period_end;
      if (e.cancel_at_period_end) s.cancel_at_period_end = *e.cancel_at_period_end;
      break;
    }
    case EventKind::subscription_deleted:
      s.payment_status = "canceled";
      s.ended_subscription_id = s.subscription_id;
      s.cancel_at_period_end = false;
      s.grace_until.reset();
      if (!s.end_date || *s.end_date > e.created) s.end_date = e.created;
      break;
    case EventKind::checkout_unpaid:  // (answered above)
    case EventKind::other:
      break;
  }
  return Outcome::applied;
}

}  // namespace pm::subscriptions
