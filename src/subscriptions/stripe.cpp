#include "subscriptions/provider.hpp"

#include <fmt/format.h>

#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace pm::subscriptions {

namespace {

void form_add(std::string& form, std::string_view key, std::string_view value) {
  if (!form.empty()) form += '&';
  form += http_client::percent_encode(key);
  form += '=';
  form += http_client::percent_encode(value);
}

int form_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && form_hex_value(s[i + 1]) >= 0 && form_hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(form_hex_value(s[i + 1]) * 16 + form_hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> form_decode(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    out[form_unescape(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : form_unescape(pair.substr(eq + 1));
  }
  return out;
}

Result<std::string> StripeProvider::call(const std::string& method, const std::string& path, const std::string& form,
                                         Refused* refused) {
  http_client::Request req{
      .method = method,
      .url = api_base_ + path,
      .headers = {"Authorization: Bearer " + secret_key_, "Content-Type: application/x-www-form-urlencoded"},
      .body = form};
  auto res = http_client::send(req, {});
  if (!res) {
    log::warn("payments_provider_unreachable", {{"provider", name_}, {"detail", res.error().detail}});
    return std::unexpected(Problem("not-ready", "the payment provider could not be reached; try again later"));
  }
  if (res->status / 100 != 2) {
    // Stripe's error object: {"error": {"type", "code", "message"}}. Its message is for operators
    // (it can name prices, customers, test or live mode): logged, never shown to the user.
    std::string message;
    if (auto doc = parse_json(res->body); doc && doc->contains("error") && (*doc)["error"].is_object())
      message = (*doc)["error"].value("message", "");
    log::warn("payments_provider_refused", {{"provider", name_}, {"status", res->status}, {"message", message}});
    if (refused) refused->status = static_cast<int>(res->status);
    return std::unexpected(Problem(
        "not-ready", fmt::format("the payment provider refused the request (HTTP {}); try again later", res->status)));
  }
  return std::move(res->body);
}

Result<CheckoutSession> StripeProvider::create_checkout(const CheckoutRequest& r) {
  std::string form;
  form_add(form, "mode", "subscription");
  // Cards only: they are paid when the checkout completes. A delayed method (a bank debit) would
  // complete it unpaid (handled, payment_events.cpp, but a plan bought so waits days for its money).
  form_add(form, "payment_method_types[0]", "card");
  form_add(form, "client_reference_id", r.user_id);
  form_add(form, "success_url", r.success_url);
  form_add(form, "cancel_url", r.cancel_url);
  if (r.customer_id) form_add(form, "customer", *r.customer_id);
  form_add(form, "line_items[0][quantity]", "1");
  if (r.price_id) {
    form_add(form, "line_items[0][price]", *r.price_id);
  } else {
    form_add(form, "line_items[0][price_data][currency]", ascii_lower(r.currency));
    form_add(form, "line_items[0][price_data][unit_amount]", std::to_string(r.amount_minor));
    form_add(form, "line_items[0][price_data][recurring][interval]", r.interval);
    form_add(form, "line_items[0][price_data][product_data][name]", r.plan_name);
  }
  for (const char* prefix : {"metadata", "subscription_data[metadata]"}) {
    form_add(form, fmt::format("{}[user_id]", prefix), r.user_id);
    form_add(form, fmt::format("{}[plan_id]", prefix), r.plan_id);
    form_add(form, fmt::format("{}[interval]", prefix), r.interval);
  }
  auto body = PM_TRY(call("POST", "/v1/checkout/sessions", form));
  auto doc = parse_json(body);
  if (!doc || !doc->is_object() || !(*doc)["id"].is_string() || !(*doc)["url"].is_string())
    return std::unexpected(Problem("not-ready", "the payment provider's answer had no checkout URL"));
  return CheckoutSession{.id = (*doc)["id"].get<std::string>(), .url = (*doc)["url"].get<std::string>()};
}

Result<void> StripeProvider::cancel_at_period_end(const std::string& subscription_id) {
  std::string form;
  form_add(form, "cancel_at_period_end", "true");
  PM_TRY(call("POST", "/v1/subscriptions/" + http_client::percent_encode(subscription_id), form));
  return {};
}

Result<bool> StripeProvider::expire_checkout(const std::string& session_id) {
  const std::string path = "/v1/checkout/sessions/" + http_client::percent_encode(session_id);
  Refused refused;
  auto expired = call("POST", path + "/expire", "", &refused);
  if (expired || refused.status == 404) return true;
  if (refused.status != 400) return std::unexpected(expired.error());
  // 400: it is no longer open. Paid, or expired already: its status says which.
  auto doc = parse_json(PM_TRY(call("GET", path, "")));
  if (!doc || !doc->is_object() || !(*doc)["status"].is_string())
    return std::unexpected(Problem("not-ready", "the payment provider's answer had no checkout status"));
  return (*doc)["status"].get<std::string>() != "complete";
}

Result<void> StripeProvider::cancel_now(const std::string& subscription_id) {
  // DELETE cancels at once. Stripe answers 404 for a subscription it does not have and 400 for one
  // already canceled: nothing is left to stop. Any other refusal (a wrong key, a rate limit, an
  // outage) is the caller's to try again.
  Refused refused;
  auto done = call("DELETE", "/v1/subscriptions/" + http_client::percent_encode(subscription_id), "", &refused);
  if (!done && refused.status != 404 && refused.status != 400) return std::unexpected(done.error());
  return {};
}

Result<void> StripeProvider::delete_customer(const std::string& customer_id) {
  // Stripe answers 404 for a customer it does not have (or no longer has).
  Refused refused;
  auto done = call("DELETE", "/v1/customers/" + http_client::percent_encode(customer_id), "", &refused);
  if (!done && refused.status != 404) return std::unexpected(done.error());
  return {};
}

std::unique_ptr<PaymentProvider> make_provider(const PaymentsConfig& config) {
  if (config.provider == "none") return nullptr;
  return std::make_unique<StripeProvider>(config.provider, config.api_base, config.secret_key);
}

}  // namespace pm::subscriptions
