#pragma once
// What a user's plan entitles them to, read inside the caller's transaction. The one definition
// of "premium" every service uses (premium-only questions, premium insights, generation limits).

#include <string>

#include <pqxx/pqxx>

namespace pm::subscriptions {

// A paid plan (anything but "free") whose payment_status is "active" and that has not ended.
// payment_status: "not_required" (the free plan), "active" (paid for the current period), and the
// states a payment provider reports for money not received ("pending", "past_due", "unpaid",
// "canceled", "refunded", ...): anything but "active" entitles to nothing.
bool has_premium(pqxx::work& tx, const std::string& user_id);

}  // namespace pm::subscriptions
