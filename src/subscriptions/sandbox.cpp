#include "subscriptions/sandbox.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/html.hpp"
#include "core/http_client.hpp"
#include "core/log.hpp"
#include "subscriptions/provider.hpp"
#include "subscriptions/signature.hpp"

namespace pm::subscriptions {

struct Sandbox::Session {
  std::string id, status = "open";  // open, complete
  std::string client_reference_id, success_url, cancel_url, customer;
  std::map<std::string, std::string> metadata, subscription_metadata;
  std::string currency = "eur", interval = "month", product = "Subscription", price;
  long long amount = 0;
  int trial_days = 0;
  std::string subscription;  // once complete
};

struct Sandbox::Subscription {
  std::string id, customer, status = "active", currency, interval, price;
  long long amount = 0;
  std::int64_t created = 0, period_start = 0, period_end = 0;
  bool cancel_at_period_end = false;
  std::map<std::string, std::string> metadata;
  std::string card_brand = "visa", card_last4 = "4242";
};

namespace {

std::int64_t sandbox_unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string sandbox_id(const char* prefix) { return std::string(prefix) + "_" + crypto::random_hex(12); }

std::string sandbox_env(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool sandbox_flag(const char* name) {
  auto v = sandbox_env(name);
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

Json sandbox_map(const std::map<std::string, std::string>& m) {
  Json out = Json::object();
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

// The fields of one bracketed group: "metadata[user_id]" -> {"user_id": ...} for prefix "metadata".
std::map<std::string, std::string> sandbox_group(const std::map<std::string, std::string>& form,
                                                 const std::string& prefix) {
  std::map<std::string, std::string> out;
  const std::string open = prefix + "[";
  for (const auto& [k, v] : form)
    if (k.starts_with(open) && k.back() == ']' && k.find('[', open.size()) == std::string::npos)
      out[k.substr(open.size(), k.size() - open.size() - 1)] = v;
  return out;
}

// Stripe's error object.
http::Response stripe_error(http::Status status, const std::string& type, const std::string& message) {
  return http::json_response(status, {{"error", {{"type", type}, {"message", message}}}});
}

http::Response html(http::Status status, const std::string& title, const std::string& body) {
  return http::text_response(
      status,
      fmt::format("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title></head>"
                  "<body><h1>{0}</h1>{1}<p><small>Perfect Match payments sandbox: no real money, no real card."
                  "</small></p></body></html>",
                  html_escape(title), body),
      "text/html; charset=utf-8");
}

http::Response redirect(const std::string& location) {
  http::Response res{http::Status::see_other, 11};
  res.set(boost::beast::http::field::location, location);
  return res;
}

std::string replace_all(std::string s, std::string_view what, std::string_view with) {
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
  return s;
}

}  // namespace

Result<SandboxOptions> SandboxOptions::from_env(const Config& config) {
  SandboxOptions o;
  auto port = sandbox_env("PM_PAYMENTS_SANDBOX_PORT", std::to_string(config.http_port + 1));
  try {
    int p = std::stoi(port);
    if (p < 0 || p > 65535) throw std::out_of_range("port");
    o.port = static_cast<std::uint16_t>(p);
  } catch (...) {
    return std::unexpected(Problem("config", "PM_PAYMENTS_SANDBOX_PORT must be a port number"));
  }
  o.public_url = sandbox_env("PM_PAYMENTS_SANDBOX_URL");
  o.webhook_url = sandbox_env("PM_PAYMENTS_WEBHOOK_URL",
                              fmt::format("http://127.0.0.1:{}/api/v1/webhooks/payments", config.http_port));
  o.webhook_secret = sandbox_env("PM_STRIPE_WEBHOOK_SECRET");
  if (o.webhook_secret.empty())
    return std::unexpected(Problem("config", "PM_STRIPE_WEBHOOK_SECRET must be set (the server verifies with it)"));
  o.secret_key = sandbox_env("PM_STRIPE_SECRET_KEY", o.secret_key);
  o.duplicates = sandbox_flag("PM_PAYMENTS_SANDBOX_DUPLICATES");
  o.reorder = sandbox_flag("PM_PAYMENTS_SANDBOX_REORDER");
  return o;
}

Sandbox::Sandbox(SandboxOptions options) : options_(std::move(options)) { add_routes(); }

Sandbox::~Sandbox() { stop(); }

void Sandbox::start() {
  server_ = std::make_unique<http::Server>(
      http::ServerOptions{.host = options_.host, .port = options_.port, .io_threads = 1, .handler_threads = 4}, router_,
      metrics_);
  server_->start();
  sender_ = std::thread([this] { send_loop(); });
}

void Sandbox::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (sender_.joinable()) sender_.join();
  if (server_) {
    server_->stop();
    server_->wait();
  }
}

std::uint16_t Sandbox::port() const { return server_ ? server_->port() : options_.port; }

std::string Sandbox::base_url() const {
  std::lock_guard lock(mutex_);
  return options_.public_url.empty() ? fmt::format("http://{}:{}", options_.host, port()) : options_.public_url;
}

void Sandbox::set_webhook_url(std::string url) {
  std::lock_guard lock(mutex_);
  options_.webhook_url = std::move(url);
}
void Sandbox::set_duplicates(bool on) {
  std::lock_guard lock(mutex_);
  options_.duplicates = on;
}
void Sandbox::set_reorder(bool on) {
  std::lock_guard lock(mutex_);
  options_.reorder = on;
}

int Sandbox::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}
int Sandbox::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

bool Sandbox::customer_deleted(const std::string& customer_id) const {
  std::lock_guard lock(mutex_);
  return deleted_customers_.contains(customer_id);
}

int Sandbox::open_checkouts_of(const std::string& client_reference_id) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::ranges::count_if(sessions_, [&](const auto& entry) {
    return entry.second->client_reference_id == client_reference_id && entry.second->status == "open";
  }));
}

void Sandbox::hold_checkouts() {
  std::lock_guard lock(mutex_);
  holding_checkouts_ = true;
  checkouts_held_ = 0;
}

bool Sandbox::wait_checkout_held(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return checkouts_held_ > 0; });
}

void Sandbox::release_checkouts() {
  {
    std::lock_guard lock(mutex_);
    holding_checkouts_ = false;
  }
  changed_.notify_all();
}

bool Sandbox::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !sending_; });
}

// Called with mutex_ held. `created` only grows, one second per event at least, so the order in
// which the sandbox made events is the order of their `created` (as at Stripe, apart from ties).
Json Sandbox::event(const std::string& type, Json object) {
  last_created_ = std::max(last_created_ + 1, sandbox_unix_now());
  return {{"id", sandbox_id("evt")},
          {"object", "event"},
          {"api_version", "2024-06-20"},
          {"created", last_created_},
          {"livemode", false},
          {"pending_webhooks", 1},
          {"type", type},
          {"data", {{"object", std::move(object)}}}};
}

void Sandbox::enqueue(std::vector<Json> events) {  // mutex_ held
  if (options_.reorder) std::reverse(events.begin(), events.end());
  const auto now = std::chrono::steady_clock::now();
  for (const auto& e : events) queue_.push_back({.body = e.dump(), .next_at = now});
  if (options_.duplicates)
    for (const auto& e : events) queue_.push_back({.body = e.dump(), .next_at = now});
  changed_.notify_all();
}

void Sandbox::send_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.wait(lock);
      continue;
    }
    // The first event due (deliveries wait for a retry in their place in the queue).
    auto now = std::chrono::steady_clock::now();
    auto due = std::find_if(queue_.begin(), queue_.end(), [&](const Pending& p) { return p.next_at <= now; });
    if (due == queue_.end()) {
      auto next = std::min_element(queue_.begin(), queue_.end(),
                                   [](const Pending& a, const Pending& b) { return a.next_at < b.next_at; });
      changed_.wait_until(lock, next->next_at);
      continue;
    }
    Pending p = std::move(*due);
    queue_.erase(due);
    sending_ = true;
    const std::string url = options_.webhook_url, secret = options_.webhook_secret;
    lock.unlock();
    const std::string signature = sign_payload(secret, sandbox_unix_now(), p.body);
    http_client::Request req{.method = "POST",
                             .url = url,
                             .headers = {"Content-Type: application/json; charset=utf-8",
                                         "Stripe-Signature: " + signature, "User-Agent: Stripe/1.0 (sandbox)"},
                             .body = p.body};
    auto res = http_client::send(
        req, {.connect_timeout = std::chrono::milliseconds(2000), .timeout = std::chrono::milliseconds(10000)});
    const bool ok = res && res->status / 100 == 2;
    lock.lock();
    ++attempts_;
    ++p.attempts;
    if (ok) {
      ++delivered_;
    } else if (p.attempts < options_.max_attempts) {
      log::warn("sandbox_webhook_retry",
                {{"attempt", p.attempts}, {"status", res ? res->status : 0}, {"error", res ? "" : res.error().detail}});
      p.next_at = std::chrono::steady_clock::now() + options_.first_retry * (1 << (p.attempts - 1));
      queue_.push_front(std::move(p));
    } else {
      log::error("sandbox_webhook_given_up", {{"attempts", p.attempts}});
    }
    sending_ = false;
    changed_.notify_all();
  }
}

void Sandbox::add_routes() {
  using http::Method;
  using http::Request;
  using http::Status;

  // Stripe's answer to an API call without the secret key; nullopt when the call has it.
  auto refused = [this](const Request& req) -> std::optional<http::Response> {
    std::lock_guard lock(mutex_);
    if (options_.secret_key.empty()) return std::nullopt;
    if (auto token = req.bearer_token(); token && *token == options_.secret_key) return std::nullopt;
    return stripe_error(Status::unauthorized, "invalid_request_error", "Invalid API Key provided");
  };

  // Stripe's subscription object (current_period_* on the subscription and on its item: both
  // API generations carry them).
  auto subscription_json = [](const Subscription& s) {
    Json item = {{"id", "si_" + s.id.substr(4)},
                 {"object", "subscription_item"},
                 {"current_period_start", s.period_start},
                 {"current_period_end", s.period_end},
                 {"price",
                  {{"id", s.price},
                   {"object", "price"},
                   {"currency", s.currency},
                   {"unit_amount", s.amount},
                   {"recurring", {{"interval", s.interval}}}}},
                 {"quantity", 1}};
    return Json{{"id", s.id},
                {"object", "subscription"},
                {"customer", s.customer},
                {"status", s.status},
                {"created", s.created},
                {"current_period_start", s.period_start},
                {"current_period_end", s.period_end},
                {"cancel_at_period_end", s.cancel_at_period_end},
                {"metadata", sandbox_map(s.metadata)},
                {"default_payment_method",
                 {{"id", "pm_" + s.id.substr(4)},
                  {"object", "payment_method"},
                  {"type", "card"},
                  {"card", {{"brand", s.card_brand}, {"last4", s.card_last4}}}}},
                {"items", {{"object", "list"}, {"data", Json::array({item})}}}};
  };
  auto invoice_json = [](const Subscription& s, const std::string& status, const std::string& reason) {
    Json sub_details = {{"subscription", s.id}, {"metadata", sandbox_map(s.metadata)}};
    return Json{{"id", sandbox_id("in")},
                {"object", "invoice"},
                {"customer", s.customer},
                {"subscription", s.id},
                {"status", status},
                {"billing_reason", reason},
                {"currency", s.currency},
                {"amount_due", s.amount},
                {"amount_paid", status == "paid" ? s.amount : 0},
                {"attempt_count", 1},
                {"subscription_details", {{"metadata", sandbox_map(s.metadata)}}},
                {"parent", {{"type", "subscription_details"}, {"subscription_details", sub_details}}},
                {"lines",
                 {{"object", "list"},
                  {"data", Json::array({{{"object", "line_item"},
                                         {"amount", s.amount},
                                         {"currency", s.currency},
                                         {"period", {{"start", s.period_start}, {"end", s.period_end}}}}})}}}};
  };
  auto period_seconds = [](const std::string& interval) -> std::int64_t {
    return interval == "year" ? 365 * 86400 : 30 * 86400;
  };

  router_.add(Method::post, "/v1/checkout/sessions", [this, refused](Request& req) {
    if (auto no = refused(req)) return *no;
    {
      std::unique_lock lock(mutex_);
      if (holding_checkouts_) {
        ++checkouts_held_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return !holding_checkouts_ || stopping_; });
      }
    }
    auto form = form_decode(req.raw.body());
    if (form["mode"] != "subscription")
      return stripe_error(Status::bad_request, "invalid_request_error", "The sandbox supports mode=subscription only");
    if (form["success_url"].empty() || form["cancel_url"].empty())
      return stripe_error(Status::bad_request, "invalid_request_error", "Missing required param: success_url");
    auto s = std::make_shared<Session>();
    s->id = sandbox_id("cs_test");
    s->client_reference_id = form["client_reference_id"];
    s->success_url = form["success_url"];
    s->cancel_url = form["cancel_url"];
    s->customer = form["customer"];
    s->metadata = sandbox_group(form, "metadata");
    s->subscription_metadata = sandbox_group(form, "subscription_data[metadata]");
    if (!form["subscription_data[trial_period_days]"].empty()) {
      try {
        s->trial_days = std::stoi(form["subscription_data[trial_period_days]"]);
      } catch (...) {
      }
    }
    if (!form["line_items[0][price]"].empty()) {
      s->price = form["line_items[0][price]"];
    } else {
      s->currency = form["line_items[0][price_data][currency]"];
      s->interval = form["line_items[0][price_data][recurring][interval]"];
      s->product = form["line_items[0][price_data][product_data][name]"];
      try {
        s->amount = std::stoll(form["line_items[0][price_data][unit_amount]"]);
      } catch (...) {
        return stripe_error(Status::bad_request, "invalid_request_error", "Missing line_items[0][price_data]");
      }
      s->price = sandbox_id("price");
    }
    if (s->interval.empty()) s->interval = s->metadata.contains("interval") ? s->metadata["interval"] : "month";
    Json out = {{"id", s->id},
                {"object", "checkout.session"},
                {"mode", "subscription"},
                {"status", "open"},
                {"payment_status", "unpaid"},
                {"client_reference_id", s->client_reference_id},
                {"currency", s->currency},
                {"amount_total", s->amount},
                {"metadata", sandbox_map(s->metadata)},
                {"success_url", s->success_url},
                {"cancel_url", s->cancel_url},
                {"url", base_url() + "/checkout/" + s->id}};
    std::lock_guard lock(mutex_);
    sessions_[s->id] = s;
    return http::json_response(Status::ok, out);
  });

  auto find_session = [this](Request& req) -> std::shared_ptr<Session> {
    auto it = sessions_.find(req.params.at("id"));  // mutex_ held by the caller
    return it == sessions_.end() ? nullptr : it->second;
  };
  auto no_such_session = [] {
    return stripe_error(Status::not_found, "invalid_request_error", "No such checkout.session");
  };
  // A session as the API answers for it: what Perfect Match reads of it is its status.
  auto session_json = [](const Session& s) {
    return http::json_response(Status::ok, {{"id", s.id}, {"object", "checkout.session"}, {"status", s.status}});
  };

  // Stripe's expire: only an open session; a complete or expired one answers 400.
  router_.add(Method::post, "/v1/checkout/sessions/{id}/expire",
              [this, refused, find_session, no_such_session, session_json](Request& req) {
                if (auto no = refused(req)) return *no;
                std::lock_guard lock(mutex_);
                auto s = find_session(req);
                if (!s) return no_such_session();
                if (s->status != "open")
                  return stripe_error(Status::bad_request, "invalid_request_error",
                                      "Only Checkout Sessions with a status in [\"open\"] can be expired");
                s->status = "expired";
                return session_json(*s);
              });
  router_.add(Method::get, "/v1/checkout/sessions/{id}",
              [this, refused, find_session, no_such_session, session_json](Request& req) {
                if (auto no = refused(req)) return *no;
                std::lock_guard lock(mutex_);
                auto s = find_session(req);
                return s ? session_json(*s) : no_such_session();
              });

  router_.add(Method::get, "/checkout/{id}", [this, find_session](Request& req) {
    std::optional<Session> s;
    {
      std::lock_guard lock(mutex_);
      if (auto found = find_session(req)) s = *found;
    }
    if (!s) return html(Status::not_found, "No such checkout", "<p>This checkout session does not exist.</p>");
    if (s->status == "expired")
      return html(Status::gone, "This checkout has expired",
                  "<p>It was replaced by a newer one or ran out of time; nothing was charged. <a href=\"" +
                      html_escape(s->cancel_url) + "\">Back to Perfect Match</a></p>");
    if (s->status != "open")
      return html(Status::ok, "Already paid",
                  "<p><a href=\"" + html_escape(s->success_url) + "\">Back to Perfect Match</a></p>");
    std::string price =
        s->amount ? fmt::format("{}.{:02} {} per {}", s->amount / 100, s->amount % 100, s->currency, s->interval)
                  : "price " + s->price;
    std::string action = "/checkout/" + s->id + "/pay";
    auto button = [&](const char* outcome, const char* label) {
      return fmt::format(
          "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"outcome\" value=\"{}\">"
          "<button type=\"submit\">{}</button></form>",
          html_escape(action), outcome, label);
    };
    return html(Status::ok, "Pay for " + s->product,
                "<p>" + html_escape(s->product) + ": " + html_escape(price) + "</p>" +
                    "<p>Choose what the card does:</p>" + button("succeed", "Pay (card 4242, succeeds)") +
                    button("decline", "Pay with a card that is declined") +
                    button("3ds_fail", "Pay with a card that fails 3-D Secure") + "<p><a href=\"" +
                    html_escape(s->cancel_url) + "\">Cancel and go back</a></p>");
  });

  router_.add(
      Method::post, "/checkout/{id}/pay",
      [this, find_session, subscription_json, invoice_json, period_seconds](Request& req) {
        auto form = form_decode(req.raw.body());
        const std::string outcome = form["outcome"];
        std::lock_guard lock(mutex_);
        auto found = find_session(req);
        if (!found) return html(Status::not_found, "No such checkout", "<p>This checkout session does not exist.</p>");
        auto& s = *found;
        const std::string back = "<p><a href=\"/checkout/" + html_escape(s.id) + "\">Try again</a> or <a href=\"" +
                                 html_escape(s.cancel_url) + "\">go back to Perfect Match</a></p>";
        if (s.status == "expired")
          return html(Status::gone, "This checkout has expired", "<p>Nothing was charged.</p>" + back);
        if (s.status != "open") return redirect(replace_all(s.success_url, "{CHECKOUT_SESSION_ID}", s.id));
        if (outcome == "decline")
          return html(Status::payment_required, "Your card was declined",
                      "<p>The bank declined the payment.</p>" + back);
        if (outcome == "3ds_fail")
          return html(Status::payment_required, "Authentication failed",
                      "<p>The 3-D Secure check of your bank failed; nothing was charged.</p>" + back);
        if (outcome != "succeed") return html(Status::bad_request, "Unknown choice", back);

        auto sub = std::make_shared<Subscription>();
        sub->id = sandbox_id("sub");
        sub->customer = s.customer.empty() ? sandbox_id("cus") : s.customer;
        sub->currency = s.currency;
        sub->interval = s.interval;
        sub->price = s.price;
        sub->amount = s.amount;
        sub->metadata = s.subscription_metadata;
        sub->created = sandbox_unix_now();
        sub->period_start = sub->created;
        sub->status = s.trial_days > 0 ? "trialing" : "active";
        sub->period_end = sub->created + (s.trial_days > 0 ? s.trial_days * 86400LL : period_seconds(s.interval));
        subscriptions_[sub->id] = sub;
        s.status = "complete";
        s.subscription = sub->id;
        s.customer = sub->customer;

        Json session = {{"id", s.id},
                        {"object", "checkout.session"},
                        {"mode", "subscription"},
                        {"status", "complete"},
                        {"payment_status", s.trial_days > 0 ? "no_payment_required" : "paid"},
                        {"client_reference_id", s.client_reference_id},
                        {"customer", sub->customer},
                        {"subscription", sub->id},
                        {"currency", s.currency},
                        {"amount_total", s.amount},
                        {"metadata", sandbox_map(s.metadata)}};
        std::vector<Json> batch;
        batch.push_back(event("customer.subscription.created", subscription_json(*sub)));
        batch.push_back(event("checkout.session.completed", session));
        if (s.trial_days == 0)
          batch.push_back(event("invoice.paid", invoice_json(*sub, "paid", "subscription_create")));
        enqueue(std::move(batch));
        return redirect(replace_all(s.success_url, "{CHECKOUT_SESSION_ID}", s.id));
      });

  auto find_subscription = [this](Request& req) -> std::shared_ptr<Subscription> {
    auto it = subscriptions_.find(req.params.at("id"));  // mutex_ held by the caller
    return it == subscriptions_.end() ? nullptr : it->second;
  };
  auto no_such = [] { return stripe_error(Status::not_found, "invalid_request_error", "No such subscription"); };

  router_.add(Method::get, "/v1/subscriptions/{id}",
              [this, refused, find_subscription, no_such, subscription_json](Request& req) {
                if (auto no = refused(req)) return *no;
                std::lock_guard lock(mutex_);
                auto sub = find_subscription(req);
                return sub ? http::json_response(Status::ok, subscription_json(*sub)) : no_such();
              });

  router_.add(Method::post, "/v1/subscriptions/{id}",
              [this, refused, find_subscription, no_such, subscription_json](Request& req) {
                if (auto no = refused(req)) return *no;
                auto form = form_decode(req.raw.body());
                std::lock_guard lock(mutex_);
                auto sub = find_subscription(req);
                if (!sub) return no_such();
                if (form.contains("cancel_at_period_end")) {
                  const bool cancel = form["cancel_at_period_end"] == "true";
                  if (sub->status == "canceled")
                    return stripe_error(Status::bad_request, "invalid_request_error", "This subscription is canceled");
                  if (cancel != sub->cancel_at_period_end) {
                    sub->cancel_at_period_end = cancel;
                    enqueue({event("customer.subscription.updated", subscription_json(*sub))});
                  }
                }
                return http::json_response(Status::ok, subscription_json(*sub));
              });

  // Cancelled at once (Stripe's DELETE): 400 for one already canceled, as Stripe answers.
  router_.add(Method::delete_, "/v1/subscriptions/{id}",
              [this, refused, find_subscription, no_such, subscription_json](Request& req) {
                if (auto no = refused(req)) return *no;
                std::lock_guard lock(mutex_);
                auto sub = find_subscription(req);
                if (!sub) return no_such();
                if (sub->status == "canceled")
                  return stripe_error(Status::bad_request, "invalid_request_error", "This subscription is canceled");
                sub->status = "canceled";
                enqueue({event("customer.subscription.deleted", subscription_json(*sub))});
                return http::json_response(Status::ok, subscription_json(*sub));
              });

  // Deleted at once (Stripe's DELETE), and every subscription of the customer with it: 404 for a
  // customer it does not have or no longer has.
  router_.add(Method::delete_, "/v1/customers/{id}", [this, refused, subscription_json](Request& req) {
    if (auto no = refused(req)) return *no;
    std::lock_guard lock(mutex_);
    const std::string id = req.params.at("id");
    const bool known = std::ranges::any_of(subscriptions_, [&](const auto& s) { return s.second->customer == id; }) ||
                       std::ranges::any_of(sessions_, [&](const auto& s) { return s.second->customer == id; });
    if (!known || deleted_customers_.contains(id))
      return stripe_error(Status::not_found, "invalid_request_error", "No such customer: '" + id + "'");
    std::vector<Json> ended;
    for (auto& [_, sub] : subscriptions_)
      if (sub->customer == id && sub->status != "canceled") {
        sub->status = "canceled";
        ended.push_back(event("customer.subscription.deleted", subscription_json(*sub)));
      }
    deleted_customers_.insert(id);
    if (!ended.empty()) enqueue(std::move(ended));
    return http::json_response(Status::ok, Json{{"id", id}, {"object", "customer"}, {"deleted", true}});
  });

  // Sandbox-only: what happens later in a subscription's life.
  router_.add(Method::post, "/sandbox/subscriptions/{id}/{action}",
              [this, find_subscription, no_such, subscription_json, invoice_json, period_seconds](Request& req) {
                const std::string action = req.params.at("action");
                std::lock_guard lock(mutex_);
                auto sub = find_subscription(req);
                if (!sub) return no_such();
                if (sub->status == "canceled")
                  return stripe_error(Status::bad_request, "invalid_request_error", "This subscription is canceled");
                if (action == "renew") {  // the next period, paid (or, with cancel_at_period_end, the end)
                  if (sub->cancel_at_period_end) {
                    sub->status = "canceled";
                    enqueue({event("customer.subscription.deleted", subscription_json(*sub))});
                  } else {
                    sub->period_start = sub->period_end;
                    sub->period_end = sub->period_start + period_seconds(sub->interval);
                    sub->status = "active";
                    enqueue({event("customer.subscription.updated", subscription_json(*sub)),
                             event("invoice.paid", invoice_json(*sub, "paid", "subscription_cycle"))});
                  }
                } else if (action == "fail") {  // the renewal's payment fails
                  sub->status = "past_due";
                  enqueue({event("invoice.payment_failed", invoice_json(*sub, "open", "subscription_cycle")),
                           event("customer.subscription.updated", subscription_json(*sub))});
                } else if (action == "delete") {  // cancelled at once (or after the last failed retry)
                  sub->status = "canceled";
                  enqueue({event("customer.subscription.deleted", subscription_json(*sub))});
                } else {
                  return stripe_error(Status::not_found, "invalid_request_error", "renew, fail or delete");
                }
                return http::json_response(Status::ok, subscription_json(*sub));
              });

  router_.add(Method::get, "/healthz", [](Request&) { return http::text_response(Status::ok, "ok\n"); });
}

namespace {
std::atomic<bool> sandbox_stop_requested{false};
}

int run_payments_sandbox(const Config& config) {
  auto options = SandboxOptions::from_env(config);
  if (!options) {
    log::error("sandbox_config_invalid", {{"error", options.error().detail}});
    return 2;
  }
  Sandbox sandbox(*options);
  try {
    sandbox.start();
  } catch (const std::system_error& e) {
    log::error("sandbox_failed", {{"error", e.what()}, {"port", options->port}});
    return 1;
  }
  log::info("sandbox_started", {{"url", sandbox.base_url()}, {"webhook_url", options->webhook_url}});
  std::signal(SIGTERM, [](int) { sandbox_stop_requested = true; });
  std::signal(SIGINT, [](int) { sandbox_stop_requested = true; });
  while (!sandbox_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sandbox.stop();
  log::info("sandbox_stopped");
  return 0;
}

}  // namespace pm::subscriptions
