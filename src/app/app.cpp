#include "app/app.hpp"

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "app/notification_mailer.hpp"
#include "auth/routes.hpp"
#include "core/actor.hpp"
#include "core/log.hpp"
#include "flags/routes.hpp"
#include "http/static_files.hpp"
#include "mail/smtp_sender.hpp"
#include "mail/templates.hpp"
#include "matching/personal_data.hpp"
#include "matching/routes.hpp"
#include "messaging/personal_data.hpp"
#include "messaging/routes.hpp"
#include "notifications/personal_data.hpp"
#include "notifications/routes.hpp"
#include "ops/routes.hpp"
#include "profiles/account_defaults.hpp"
#include "profiles/routes.hpp"
#include "questionnaire/personal_data.hpp"
#include "questionnaire/routes.hpp"
#include "realtime/routes.hpp"
#include "staff/routes.hpp"
#include "storage/local_store.hpp"
#include "storage/routes.hpp"
#include "subscriptions/free_plan.hpp"
#include "subscriptions/personal_data.hpp"
#include "subscriptions/provider_cancellation.hpp"
#include "subscriptions/routes.hpp"

namespace pm::app {

namespace {

void pool_gauges(std::string& out, std::string_view store, int size, int open, int in_use,
                 unsigned long long timeouts) {
  out += fmt::format(
      "# HELP pm_{0}_pool_connections Connections of the {0} pool by state.\n"
      "# TYPE pm_{0}_pool_connections gauge\n"
      "pm_{0}_pool_connections{{state=\"max\"}} {1}\n"
      "pm_{0}_pool_connections{{state=\"open\"}} {2}\n"
      "pm_{0}_pool_connections{{state=\"in_use\"}} {3}\n"
      "# HELP pm_{0}_pool_acquire_timeouts_total Checkouts that gave up waiting for a connection.\n"
      "# TYPE pm_{0}_pool_acquire_timeouts_total counter\n"
      "pm_{0}_pool_acquire_timeouts_total {4}\n",
      store, size, open, in_use, timeouts);
}

cache::Limit per_day(int max) { return {.max = max, .window = std::chrono::hours(24)}; }

template <class T>
T or_throw(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().detail);
  return std::move(*r);
}

// PM_SMTP_* (mail/smtp_sender.hpp); a malformed one stops the process at start.
mail::SmtpSettings smtp_settings() { return or_throw(mail::SmtpSettings::load()); }

// A relay when PM_SMTP_URL is set, else a file per mail under PM_MAIL_DIR.
std::unique_ptr<mail::MailSender> mail_sender(const Config& config) {
  auto smtp = smtp_settings();
  if (smtp.url.empty()) return std::make_unique<mail::EmlFileSender>(config.mail_dir);
  return or_throw(mail::SmtpSender::create(std::move(smtp)));
}

// VERP envelope senders when PM_SMTP_BOUNCE_DOMAIN is set (and mail goes to a relay).
std::optional<mail::BounceAddresses> bounce_addresses(const crypto::BlindIndex& mac) {
  auto smtp = smtp_settings();
  if (smtp.url.empty() || smtp.bounce_domain.empty()) return std::nullopt;
  return mail::BounceAddresses(mac, smtp.bounce_domain);
}

// PM_VAPID_KEY_FILE and PM_VAPID_SUBJECT (a bad one stops the process at start); nullopt: no push.
std::optional<notifications::push::Vapid> vapid_of(const Config& config) {
  if (config.vapid_key_file.empty()) return std::nullopt;
  std::ifstream in(config.vapid_key_file);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in) throw std::runtime_error("PM_VAPID_KEY_FILE cannot be read");
  auto vapid = notifications::push::load_vapid(pem.str(), config.vapid_subject);
  if (!vapid) throw std::runtime_error(vapid.error());
  return std::move(*vapid);
}

// Push to browsers when a VAPID key is configured (`made` then points at it), else a file per delivery.
std::unique_ptr<notifications::NotificationSender> push_sender_of(const Config& config, db::Pool& db,
                                                                  auth::SessionStore& sessions,
                                                                  notifications::WebPushSender*& made) {
  auto vapid = vapid_of(config);
  if (!vapid) return std::make_unique<notifications::JsonFileSender>(config.notification_dir);
  auto render = [links = mail::Links{.public_url = config.public_url}](const Json& n, const std::string& language) {
    auto text = mail::push_notification(links, language, n);
    return notifications::PushMessage{.title = text.title, .body = text.body, .url = text.url};
  };
  auto sender = std::make_unique<notifications::WebPushSender>(
      db, std::move(*vapid), render,
      notifications::WebPushSender::Options{
          .timeout = config.push_timeout,
          .service_hosts = config.push_service_hosts,
          .session_in_force = [&sessions](const UserId& user_id, const std::string& session_id) {
            return sessions.active({.user_id = user_id, .session_id = session_id});
          }});
  made = sender.get();
  return sender;
}

// The App's processes work as the system wherever nothing narrower is said: the worker, the
// commands, a server's background threads (senders, index refresh, the hub). Set before any
// member starts a thread. The server's request handlers say who they run for (core/actor.hpp).
Config system_by_default(Config config) {
  actor::set_process_default(actor::Kind::system);
  return config;
}

}  // namespace

App::App(Config cfg)
    : config(system_by_default(std::move(cfg))),
      db(db::PoolOptions::from(config)),
      redis(cache::RedisOptions::from(config)),
      cipher(or_throw(crypto::parse_keyring(config.pii_keys, config.pii_active_key))),
      email_index(or_throw(crypto::parse_key(config.blind_index_key, "PM_BLIND_INDEX_KEY"))),
      hasher({.opslimit = static_cast<unsigned long long>(config.argon2_opslimit),
              .memlimit_bytes = static_cast<std::size_t>(config.argon2_memlimit_kib) * 1024}),
      sessions(redis, {.idle_ttl = config.session_idle_ttl,
                       .max_ttl = config.session_max_ttl,
                       .cache_ttl = config.session_cache_ttl}),
      email_outbox(db, cipher, email_index, mail_sender(config), bounce_addresses(email_index)),
      notifications(db, email_index, config.push_service_hosts),
      // (NotificationMailer keeps a reference to `auth`, constructed below, and uses it only when delivering.)
      notification_outbox(db,
                          std::make_unique<notifications::ChannelSenders>(
                              smtp_settings().url.empty()
                                  ? std::unique_ptr<notifications::NotificationSender>(
                                        std::make_unique<notifications::JsonFileSender>(config.notification_dir))
                                  : std::make_unique<NotificationMailer>(db, auth, notifications.unsubscribe_tokens(),
                                                                         config.public_url, config.notification_dir),
                              push_sender_of(config, db, sessions, push_sender))),
      oidc(or_throw(auth::oidc::Verifier::from_config(config))),
      oidc_flow(or_throw(auth::oidc::CodeFlow::from_config(config))),
      account_created([](pqxx::work& tx, const UserId& user_id, const std::string& language) {
        profiles::create_default_preferences(tx, user_id, language);
        subscriptions::start_free_plan(tx, user_id);
      }),
      auth({.config = config,
            .db = db,
            .redis = redis,
            .sessions = sessions,
            .hasher = hasher,
            .cipher = cipher,
            .email_index = email_index,
            .outbox = email_outbox,
            .oidc = oidc,
            .oidc_flow = oidc_flow,
            .account_created = account_created}),
      media_store(storage::make_object_store(config)),
      photos(db, redis, *media_store,
             {.uploads = {.max = config.upload_limit_per_hour, .window = std::chrono::hours(1)}}),
      profiles(
          {.db = db,
           .redis = redis,
           .limits = {.blocks = per_day(config.block_limit_per_day),
                      .reports = per_day(config.report_limit_per_day),
                      .exports = per_day(config.export_limit_per_day),
                      .location_changes = per_day(config.location_limit_per_day),
                      .profile_edits = {.max = config.profile_edit_limit_per_hour, .window = std::chrono::hours(1)},
                      .profile_views = {.max = config.profile_view_limit_per_hour, .window = std::chrono::hours(1)}},
           .cipher = cipher,
           .sessions = sessions,
           .photos = photos,
           .on_shown_changed = [this](const UserId& user_id) { discovery.forget_previews_of(user_id); },
           .on_block =
               [this](const UserId& a, const UserId& b) {
                 discovery.block_committed(a, b);
                 messaging.close_between(a, b, messaging::CloseReason::blocked);
                 if (auto forgot = notifications.forget_between(a, b); !forgot)
                   log::warn("block_notifications_not_removed", {{"problem", forgot.error().type}});
               },
           .on_unblock = [this](const UserId& a, const UserId& b) { discovery.forget_pair(a, b); },
           .personal_data = {subscriptions::personal_data, questionnaire::personal_data, matching::personal_data,
                             [this](pqxx::work& tx, const UserId& user_id) {
                               return messaging.personal_data(tx, user_id);
                             }},
           // A send locks its conversation, then (its outcome's key) the match, then the
           // users' rows; a like its match, then the users' rows: the deletion too. The
           // partners' notifications last: a drain writes them under the conversations' locks.
           .before_account_deletion = {[this](pqxx::work& tx, const UserId& user_id) {
                                         return messaging.before_account_deletion(tx, user_id);
                                       },
                                       [this](pqxx::work& tx, const UserId& user_id) {
                                         return discovery.before_account_deletion(tx, user_id);
                                       },
                                       [this](pqxx::work& tx, const UserId& user_id) {
                                         notifications::before_account_deletion(tx, user_id);
                                         subscriptions::before_account_deletion(tx, user_id, redis);
                                         return profiles::AfterAccountDeletion{};
                                       }}}),
      subscriptions(db),
      questionnaire(db, config.question_bank),
      embedder(or_throw(matching::make_embedding_provider(config))),
      llm(config),
      match_cache_notices(cache::RedisOptions::from(config), matching::MatchCache::tracked_prefixes()),
      match_cache(redis, match_cache_notices, config.match_cache_ttl),
      models(db),
      exposure(redis, config.exposure_cap_per_day),
      match_engine({.config = config,
                    .db = db,
                    .questionnaire = questionnaire,
                    .cache = match_cache,
                    .embedder = *embedder,
                    .llm = llm,
                    .models = models,
                    .exposure = exposure}),
      learner({.config = config, .db = db, .engine = match_engine, .models = models}),
      discovery({.db = db,
                 .cache = match_cache,
                 .media = *media_store,
                 .notifications = notifications,
                 .engine = match_engine,
                 .expiry_days = config.match_expiry_days}),
      matching({.config = config, .db = db, .redis = redis, .engine = match_engine, .discovery = discovery}),
      messaging({.db = db,
                 .redis = redis,
                 .media = *media_store,
                 .notifications = notifications,
                 .send_limit = {.max = config.message_rate_limit, .window = std::chrono::seconds(60)},
                 .reaction_limit = {.max = config.reaction_limit_per_minute, .window = std::chrono::seconds(60)},
                 .upload_limit = {.max = config.upload_limit_per_hour, .window = std::chrono::hours(1)},
                 .reply_window = std::chrono::days(config.reply_window_days),
                 .send_lanes = config.message_send_lanes}),
      staff({.db = db,
             .redis = redis,
             .auth = auth,
             .sessions = sessions,
             .photos = photos,
             .outbox = email_outbox,
             .email_index = email_index,
             .on_banning = [this](pqxx::work& tx, const UserId& user_id) -> std::function<void()> {
               auto announce = messaging.close_conversations_of_banned(tx, user_id);
               return [this, user_id, announce = std::move(announce)] {
                 discovery.forget_previews_of(user_id);
                 announce();
               };
             }}),
      flags({.db = db, .redis = redis, .subscriptions = subscriptions, .cache_ttl = config.flag_cache_ttl}),
      hub(redis, cache::RedisOptions::from(config)),
      // A resume replays at most half the send queue: the other half is for the live events that
      // come while it is answered (held until then), so a client that reads is not cut off as slow.
      socket_protocol(messaging, static_cast<std::size_t>(config.ws_send_queue) / 2),
      health_(db, redis) {
  if (push_sender) notifications.push_public_key = push_sender->public_key();
  // Every service's events reach the users' sockets through the hub.
  messaging.set_event_sink([this](const std::vector<messaging::Event>& events) {
    std::vector<realtime::Hub::Delivery> deliveries;
    for (const auto& e : events) deliveries.push_back({.users = e.user_ids, .event = e.event});
    hub.publish_all(deliveries);
  });
  notifications.on_recorded = [this](const notifications::Service::Recorded& recorded) {
    std::vector<realtime::Hub::Delivery> deliveries;
    for (const auto& [user_id, notification] : recorded) {
      deliveries.push_back(
          {.users = {user_id}, .event = {{"type", "notification.new"}, {"notification", notification}}});
      if (notification.value("type", "") == "match.new")
        deliveries.push_back({.users = {user_id}, .event = {{"type", "match.new"}, {"notification", notification}}});
    }
    hub.publish_all(deliveries);
  };
  // A session that ends closes the sockets it opened, on every node, and its browser gets no pushes.
  sessions.on_ended([this](const auth::SessionsEnded& ended) {
    hub.end_sessions(ended);
    notifications.sessions_ended(ended.user_id, ended.sessions, ended.all, ended.kept);
  });
  photos.on_changed = [this](const UserId& user_id) { discovery.forget_previews_of(user_id); };
  discovery.on_unmatch = [this](const UserId& by, const UserId& other) {
    messaging.close_between(by, other, messaging::CloseReason::unmatched);
  };
  // Feature flags the code asks (docs/feature-flags.md); a flag nobody defined leaves things as
  // they were before flags existed (on).
  discovery.feature_on = [this](std::string_view flag, const UserId& user) { return flags.is_on(flag, user, true); };
  // Only a spent budget refuses (429): Redis unreachable, the matches are regenerated all the same.
  match_engine.may_regenerate = [this](const UserId& user_id) {
    auto spent = matching.spend_generation(user_id);
    return spent || spent.error().status != 429;
  };
  match_engine.llm_insights_on = [this](const UserId& user_id) {
    auto e = flags.evaluate("llm_insights", user_id);
    return !e || (e->enabled && e->config.value("provider", "configured") != "builtin");
  };

  metrics.add_source([this](std::string& out) {
    auto d = db.stats();
    pool_gauges(out, "db", d.size, d.open, d.in_use, d.acquire_timeouts);
    if (auto* replica = db.replica()) {
      auto rd = replica->stats();
      pool_gauges(out, "db_replica", rd.size, rd.open, rd.in_use, rd.acquire_timeouts);
    }
    auto r = redis.stats();
    pool_gauges(out, "redis", r.size, r.open, r.in_use, r.acquire_timeouts);
    out += fmt::format(
        "# HELP pm_websockets_open Authenticated WebSockets open on this node.\n"
        "# TYPE pm_websockets_open gauge\npm_websockets_open {}\n",
        hub.open_sockets());
    // Only the events of the users with a socket here reach this node (sharded pub/sub).
    out += fmt::format(
        "# HELP pm_realtime_events_received_total Events this node received from Redis for its sockets' users.\n"
        "# TYPE pm_realtime_events_received_total counter\npm_realtime_events_received_total {}\n",
        hub.events_received());
    // How cached match lists were answered: `kept` needed no Redis read (docs/benchmarks.md).
    const auto pages = discovery.page_counts();
    out += fmt::format(
        "# HELP pm_match_list_pages_total First pages of GET /api/v1/matches by how they were answered.\n"
        "# TYPE pm_match_list_pages_total counter\n"
        "pm_match_list_pages_total{{from=\"kept\"}} {}\npm_match_list_pages_total{{from=\"confirmed\"}} {}\n"
        "pm_match_list_pages_total{{from=\"rendered\"}} {}\npm_match_list_pages_total{{from=\"database\"}} {}\n",
        pages.kept, pages.confirmed, pages.rendered, pages.database);
    out += fmt::format(
        "# HELP pm_match_cache_notices_total Notices from Redis of changed match cache keys.\n"
        "# TYPE pm_match_cache_notices_total counter\npm_match_cache_notices_total {}\n",
        match_cache_notices.notices());
    // Which stored model ranks on this node (0: none, the questionnaire ranks): operators and tests
    // see a new version take effect.
    out += fmt::format(
        "# HELP pm_matching_model_version The reciprocal model version this node ranks with (0: none).\n"
        "# TYPE pm_matching_model_version gauge\npm_matching_model_version {}\n",
        models.version());
  });
  ops::add_routes(router, health_, metrics, config.docs_dir);
  auth::add_routes(router, auth);
  profiles::add_routes(router, auth, profiles, photos);
  questionnaire::add_routes(router, auth, questionnaire);
  matching::add_routes(router, auth, matching);
  subscriptions::add_routes(router, auth, subscriptions);
  // Payments (docs/subscriptions.md): the provider PM_PAYMENTS_PROVIDER names, with its checkout,
  // cancel and webhook routes, which own it.
  {
    auto payments_config = or_throw(subscriptions::PaymentsConfig::from_env(config.public_url, config.http_port));
    auto provider = subscriptions::make_provider(payments_config);
    subscriptions::add_payment_routes(
        router, auth,
        std::make_shared<subscriptions::Payments>(subscriptions::Payments::Deps{.db = db,
                                                                                .redis = redis,
                                                                                .notifications = notifications,
                                                                                .config = std::move(payments_config),
                                                                                .provider = std::move(provider)}));
  }
  staff::add_routes(router, auth, staff);
  flags::add_routes(router, auth, staff, flags);
  notifications::add_routes(router, auth, notifications);
  messaging::add_routes(router, auth, messaging);
  realtime::add_routes(router);
  // The local backend serves its own signed URLs; S3 hands out presigned URLs to the bucket.
  if (auto* local = dynamic_cast<storage::LocalObjectStore*>(media_store.get())) storage::add_routes(router, *local);
  // Every other GET, but under /api and /media: the web app (index.html for its client routes).
  // PM_WEB_DIR empty: none.
  if (!config.web_dir.empty()) http::add_web_app(router, config.web_dir, media_store->url_origin());
}

void App::start_background() {
  email_outbox.start(std::chrono::seconds(30));
  hub.start();
  match_cache_notices.start();
  models.start(config.model_poll);
}

void App::attach(http::Server& server) {
  server.set_upgrade(websocket());
  server.set_large_body_gate([this](const http::Request& header_only) {
    auto token = header_only.bearer_token();
    return token && auth.authenticate(*token).has_value();
  });
}

http::UpgradeHandler App::websocket() {
  return realtime::upgrade_handler(hub, socket_protocol, auth,
                                   {.idle_timeout = config.ws_idle_timeout,
                                    .send_queue = static_cast<std::size_t>(config.ws_send_queue),
                                    .session_recheck = config.ws_session_recheck,
                                    .frames_per_10s = config.ws_frames_per_10s,
                                    .sockets_per_user = static_cast<std::size_t>(config.ws_sockets_per_user)});
}

void App::close() {
  messaging.stop();  // the sends still queued are stored, and published on the hub
  hub.stop();
  match_cache_notices.stop();
  email_outbox.stop();
  models.stop();
  db.close();
  redis.close();
}

}  // namespace pm::app
