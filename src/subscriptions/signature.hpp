#pragma once
// Stripe's webhook signature (the Stripe-Signature header, "t=<unix seconds>,v1=<hex>[,v1=...]"):
// HMAC-SHA256 with the endpoint's secret over "<t>.<raw body>". The receiver accepts any v1 that
// matches (several appear while a secret is being rolled), compares in constant time, and refuses
// a timestamp outside the tolerance window (a captured request replayed later is refused).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/problem.hpp"

namespace pm::subscriptions {

// The header value for `body` signed at `t` (unix seconds).
std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body);

// Nothing when `header` carries a valid v1 signature of `body`, made within `tolerance` of `now`;
// else 401 "unauthenticated" saying what is wrong (missing, malformed, no match, too old).
Result<void> verify_signature(std::string_view header, std::string_view body, std::string_view secret, std::int64_t now,
                              std::chrono::seconds tolerance);

}  // namespace pm::subscriptions
