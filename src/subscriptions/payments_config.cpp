#include "subscriptions/payments_config.hpp"

#include <cstdlib>
#include <string_view>

#include "subscriptions/model.hpp"

namespace pm::subscriptions {

namespace {

std::string payments_env(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

Result<int> payments_env_int(const char* name, int fallback, int min, int max) {
  auto text = payments_env(name);
  if (text.empty()) return fallback;
  try {
    std::size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size() && v >= min && v <= max) return v;
  } catch (...) {
  }
  return std::unexpected(Problem("config", std::string(name) + " must be a whole number from " + std::to_string(min) +
                                               " to " + std::to_string(max)));
}

}  // namespace

Result<PaymentsConfig> PaymentsConfig::from_env(const std::string& public_url, int http_port) {
  PaymentsConfig c;
  // The sandbox hands premium to whoever presses "Pay" on its page: the default only for a demo
  // stack (PM_DEMO_DATA, as ./pm run's), and refused for a public address but on one.
  const bool demo = payments_env("PM_DEMO_DATA") == "true";
  c.provider = payments_env("PM_PAYMENTS_PROVIDER", demo ? "sandbox" : "none");
  if (c.provider != "stripe" && c.provider != "sandbox" && c.provider != "none")
    return std::unexpected(Problem("config", "PM_PAYMENTS_PROVIDER must be stripe, sandbox or none"));
  if (c.provider == "sandbox" && !demo && public_url.starts_with("https://"))
    return std::unexpected(
        Problem("config",
                "PM_PAYMENTS_PROVIDER=sandbox gives premium away for free: not on a public https:// address "
                "without PM_DEMO_DATA=true (use stripe, or none)"));
  c.api_base =
      payments_env("PM_STRIPE_API_BASE", c.provider == "stripe" ? "https://api.stripe.com"
                                                                : "http://127.0.0.1:" + std::to_string(http_port + 1));
  while (!c.api_base.empty() && c.api_base.back() == '/') c.api_base.pop_back();
  c.secret_key = payments_env("PM_STRIPE_SECRET_KEY", c.provider == "sandbox" ? "sk_test_sandbox" : "");
  // No default: a well-known secret would let anyone sign events. Without one, webhooks are refused.
  c.webhook_secret = payments_env("PM_STRIPE_WEBHOOK_SECRET");
  c.grace_days = PM_TRY(payments_env_int("PM_PAYMENTS_GRACE_DAYS", c.grace_days, 0, kMaxGraceDays));
  c.tolerance = std::chrono::seconds(PM_TRY(payments_env_int("PM_STRIPE_WEBHOOK_TOLERANCE", 300, 1, 86400)));
  c.success_url = payments_env("PM_PAYMENTS_SUCCESS_URL", public_url + "/subscription?checkout=success");
  c.cancel_url = payments_env("PM_PAYMENTS_CANCEL_URL", public_url + "/subscription?checkout=cancel");
  std::string prices = payments_env("PM_STRIPE_PRICES");
  std::string_view rest = prices;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      return std::unexpected(
          Problem("config", "PM_STRIPE_PRICES must be plan:interval:CURRENCY=price_id items separated by commas"));
    c.price_ids[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  if (c.provider == "stripe" && (c.secret_key.empty() || c.webhook_secret.empty()))
    return std::unexpected(
        Problem("config", "PM_PAYMENTS_PROVIDER=stripe needs PM_STRIPE_SECRET_KEY and PM_STRIPE_WEBHOOK_SECRET"));
  return c;
}

std::optional<std::string> PaymentsConfig::price_id(const std::string& plan, const std::string& interval,
                                                    const std::string& currency) const {
  auto it = price_ids.find(plan + ":" + interval + ":" + currency);
  if (it == price_ids.end()) return std::nullopt;
  return it->second;
}

}  // namespace pm::subscriptions
