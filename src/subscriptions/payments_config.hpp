#pragma once
// The payment settings, read from the environment (PM_PAYMENTS_*, PM_STRIPE_*) when the app is
// built. The provider is Stripe or the local sandbox (`perfectmatch payments-sandbox`, which
// speaks Stripe's wire format): switching is configuration alone (docs/subscriptions.md).

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "core/problem.hpp"

namespace pm::subscriptions {

struct PaymentsConfig {
  std::string provider = "none";  // PM_PAYMENTS_PROVIDER: stripe | sandbox | none (default: sandbox on a demo stack)
  // PM_STRIPE_API_BASE: where the Stripe API is (default: https://api.stripe.com for "stripe", the
  // sandbox's default address, http://127.0.0.1:<PM_HTTP_PORT + 1>, for "sandbox").
  std::string api_base;
  std::string secret_key;      // PM_STRIPE_SECRET_KEY (sk_...): sent as the API's bearer token
  std::string webhook_secret;  // PM_STRIPE_WEBHOOK_SECRET (whsec_...): verifies Stripe-Signature (none: refused)
  // PM_STRIPE_PRICES: "plan:interval:CURRENCY=price_id,..." (e.g. premium:month:EUR=price_1Abc).
  // A combination without a price id is sent as inline price_data from plan_prices.
  std::map<std::string, std::string> price_ids;
  int grace_days = 3;                   // PM_PAYMENTS_GRACE_DAYS: a failed payment keeps the plan this long
  std::chrono::seconds tolerance{300};  // PM_STRIPE_WEBHOOK_TOLERANCE: age a signature may have
  std::string success_url;  // PM_PAYMENTS_SUCCESS_URL (default: PM_PUBLIC_URL/subscription?checkout=success)
  std::string cancel_url;   // PM_PAYMENTS_CANCEL_URL (default: PM_PUBLIC_URL/subscription?checkout=cancel)

  // From the environment; `public_url` (PM_PUBLIC_URL) makes the default return addresses,
  // `http_port` (PM_HTTP_PORT) the sandbox's default port.
  static Result<PaymentsConfig> from_env(const std::string& public_url, int http_port);
  // The price id configured for this plan, interval and currency, if any.
  std::optional<std::string> price_id(const std::string& plan, const std::string& interval,
                                      const std::string& currency) const;
};

}  // namespace pm::subscriptions
