#pragma once
// What Perfect Match asks of a payment provider: a hosted checkout page for a subscription,
// cancelling one at the end of its period, and at once when its owner deletes their account. Everything else comes back
// as signed webhook events (events.hpp), which are the only thing that changes a paid plan. No card number ever passes
// through us: the provider's page takes the card, we keep its ids (and brand, last four digits).

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/problem.hpp"
#include "subscriptions/payments_config.hpp"

namespace pm::subscriptions {

struct CheckoutRequest {
  std::string user_id;  // client_reference_id, and metadata.user_id of the session and the subscription
  std::string plan_id, interval, currency;
  int amount_minor = 0;                    // from plan_prices (inline price_data when no price id is configured)
  std::string plan_name;                   // the product's name on the checkout page
  std::optional<std::string> price_id;     // a configured Stripe price
  std::optional<std::string> customer_id;  // the user's provider customer, if they had one
  std::string success_url, cancel_url;
};

struct CheckoutSession {
  std::string id;   // cs_...
  std::string url;  // where to send the user
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string name() const = 0;  // stored as subscription_details.provider
  virtual Result<CheckoutSession> create_checkout(const CheckoutRequest& request) = 0;
  // The subscription ends at the end of the period paid for (a customer.subscription.updated
  // event follows, which is what changes the stored state).
  virtual Result<void> cancel_at_period_end(const std::string& subscription_id) = 0;
  // Ends an open checkout session, so that it can no longer be paid: true when it is expired (now or
  // before, or the provider has no such session), false when it was paid first.
  virtual Result<bool> expire_checkout(const std::string& session_id) = 0;
  // Ends the subscription now, with no further charge (its owner deleted their account, or staff
  // gave the free plan in its place). One the provider no longer has or has already ended counts
  // as done.
  virtual Result<void> cancel_now(const std::string& subscription_id) = 0;
  // Deletes the customer record (the address, name and card the person gave on the provider's
  // page), which also ends its subscriptions there: their owner deleted their account. One the
  // provider no longer has counts as done.
  virtual Result<void> delete_customer(const std::string& customer_id) = 0;
};

// Stripe's REST API (form-encoded POSTs, bearer secret key) at config.api_base: real Stripe, or
// the sandbox, which speaks the same wire format.
class StripeProvider : public PaymentProvider {
 public:
  StripeProvider(std::string name, std::string api_base, std::string secret_key)
      : name_(std::move(name)), api_base_(std::move(api_base)), secret_key_(std::move(secret_key)) {}
  std::string name() const override { return name_; }
  Result<CheckoutSession> create_checkout(const CheckoutRequest& request) override;
  Result<void> cancel_at_period_end(const std::string& subscription_id) override;
  Result<void> cancel_now(const std::string& subscription_id) override;
  Result<void> delete_customer(const std::string& customer_id) override;
  Result<bool> expire_checkout(const std::string& session_id) override;

 private:
  // A call to the API; a refusal (any status but 2xx) is the problem, with its status.
  struct Refused {
    int status = 0;
  };
  Result<std::string> call(const std::string& method, const std::string& path, const std::string& form,
                           Refused* refused = nullptr);
  std::string name_, api_base_, secret_key_;
};

// The provider PM_PAYMENTS_PROVIDER names (nullptr for "none": checkout answers 503).
std::unique_ptr<PaymentProvider> make_provider(const PaymentsConfig& config);

// Decodes a form body ("a=1&b%5Bc%5D=2") into its pairs, keys and values decoded.
std::map<std::string, std::string> form_decode(std::string_view body);

}  // namespace pm::subscriptions
