#pragma once
// `perfectmatch payments-sandbox`: a local stand-in for Stripe, for the demo and the tests (no
// payment provider can be reached from these machines). It answers the Stripe API calls Perfect
// Match makes (POST /v1/checkout/sessions, GET and expire a session, POST and DELETE
// /v1/subscriptions/{id}, DELETE /v1/customers/{id}) in Stripe's wire format,
// serves a checkout page a person clicks through (succeed, card declined, 3-D Secure failure),
// and sends the resulting events with Stripe's shapes, signed with the webhook secret
// (Stripe-Signature), to the webhook URL, retrying a delivery that gets no 2xx. For tests it can
// send every event twice and each batch in reverse order. Sandbox-only routes drive what happens
// later in a subscription's life: /sandbox/subscriptions/{id}/renew, /fail, /delete.
// State is in memory: a restart forgets sessions and subscriptions.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/config.hpp"
#include "core/json.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace pm::subscriptions {

struct SandboxOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8081;  // PM_PAYMENTS_SANDBOX_PORT (default PM_HTTP_PORT + 1); 0: any free port (tests)
  std::string public_url;     // where a browser reaches the sandbox (empty: http://host:port)
  std::string webhook_url;    // where events go (PM_PAYMENTS_WEBHOOK_URL)
  std::string webhook_secret = "whsec_sandbox";
  std::string secret_key = "sk_test_sandbox";  // the API's bearer token (empty: any)
  bool duplicates = false;                     // send every event twice
  bool reorder = false;                        // send each batch of events newest first
  int max_attempts = 6;                        // deliveries of one event before giving up
  std::chrono::milliseconds first_retry{250};  // doubled after each failed delivery

  // PM_PAYMENTS_SANDBOX_PORT, PM_PAYMENTS_SANDBOX_URL, PM_PAYMENTS_WEBHOOK_URL (default: the API's
  // own /api/v1/webhooks/payments on PM_HTTP_PORT), PM_STRIPE_WEBHOOK_SECRET, PM_STRIPE_SECRET_KEY,
  // PM_PAYMENTS_SANDBOX_DUPLICATES and PM_PAYMENTS_SANDBOX_REORDER (1/true).
  static Result<SandboxOptions> from_env(const Config& config);
};

class Sandbox {
 public:
  explicit Sandbox(SandboxOptions options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Binds and serves on background threads, and starts sending events.
  void start();
  void stop();
  std::uint16_t port() const;
  std::string base_url() const;
  void set_webhook_url(std::string url);
  void set_duplicates(bool on);
  void set_reorder(bool on);
  // Waits until every queued event is delivered or given up; false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Deliveries that got a 2xx, attempts made in all.
  int delivered() const;
  int attempts() const;
  // Whether DELETE /v1/customers/{id} deleted this customer.
  bool customer_deleted(const std::string& customer_id) const;
  // How many checkout sessions made for this client_reference_id (a user's id) can still be paid.
  int open_checkouts_of(const std::string& client_reference_id) const;
  // For tests of what happens while a checkout is being made: from hold_checkouts() until
  // release_checkouts(), each POST /v1/checkout/sessions waits once it has arrived, before it
  // answers. wait_checkout_held: until one waits (false on timeout).
  void hold_checkouts();
  bool wait_checkout_held(std::chrono::milliseconds timeout);
  void release_checkouts();

  struct Session;
  struct Subscription;

 private:
  void add_routes();
  void enqueue(std::vector<Json> events);  // one batch
  Json event(const std::string& type, Json object);
  void send_loop();

  SandboxOptions options_;
  http::Router router_;
  http::Metrics metrics_;
  std::unique_ptr<http::Server> server_;

  mutable std::mutex mutex_;  // everything below
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::map<std::string, std::shared_ptr<Subscription>> subscriptions_;
  std::set<std::string> deleted_customers_;
  struct Pending {
    std::string body;
    int attempts = 0;
    std::chrono::steady_clock::time_point next_at;
  };
  std::deque<Pending> queue_;
  bool sending_ = false;
  bool stopping_ = false;
  bool holding_checkouts_ = false;
  int checkouts_held_ = 0;
  std::int64_t last_created_ = 0;
  int delivered_ = 0, attempts_ = 0;
  std::thread sender_;
};

// The subcommand: serves until SIGINT/SIGTERM.
int run_payments_sandbox(const Config& config);

}  // namespace pm::subscriptions
