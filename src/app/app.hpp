#pragma once
// The application object: configuration, stores, services and routes, wired together. The only
// place where modules meet; `serve` runs it, tests build one against their own stores.

#include <memory>

#include "auth/passwords.hpp"
#include "auth/service.hpp"
#include "auth/sessions.hpp"
#include "cache/redis.hpp"
#include "core/config.hpp"
#include "core/field_cipher.hpp"
#include "db/pool.hpp"
#include "flags/service.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "mail/email_outbox.hpp"
#include "matching/discovery.hpp"
#include "matching/embedding.hpp"
#include "matching/engine.hpp"
#include "matching/exposure.hpp"
#include "matching/learner.hpp"
#include "matching/llm_client.hpp"
#include "matching/match_cache.hpp"
#include "matching/model_store.hpp"
#include "matching/service.hpp"
#include "messaging/service.hpp"
#include "notifications/notification_outbox.hpp"
#include "notifications/push_sender.hpp"
#include "notifications/service.hpp"
#include "ops/service.hpp"
#include "profiles/photos.hpp"
#include "profiles/service.hpp"
#include "questionnaire/service.hpp"
#include "realtime/hub.hpp"
#include "realtime/protocol.hpp"
#include "staff/service.hpp"
#include "storage/object_store.hpp"
#include "subscriptions/service.hpp"

namespace pm::app {

class App {
 public:
  // Throws std::runtime_error when the configuration cannot work (e.g. no encryption keys).
  explicit App(Config config);
  // Even when close() was never reached (an exception on the way out): the message lanes flush
  // what they hold and publish it on the hub, which is declared after messaging and so would be
  // destroyed first. (Stopping twice is harmless.)
  ~App() { messaging.stop(); }

  const Config config;
  db::Pool db;
  cache::RedisPool redis;
  http::Metrics metrics;
  http::Router router;
  const crypto::FieldCipher cipher;
  const crypto::BlindIndex email_index;
  const auth::PasswordHasher hasher;
  auth::SessionStore sessions;
  mail::EmailOutbox email_outbox;
  notifications::Service notifications;  // other services record() through it
  // Web Push to browsers when PM_VAPID_KEY_FILE is set (owned by notification_outbox; nullptr: push is files).
  notifications::WebPushSender* push_sender = nullptr;
  notifications::NotificationOutbox notification_outbox;  // email/push delivery, run by the worker
  const auth::oidc::Verifier oidc;
  const auth::oidc::CodeFlow oidc_flow;
  // A new account's rows in the modules above auth: its preferences (profiles) and its free plan
  // (subscriptions), in the transaction that creates it; for auth and the demo's bulk accounts.
  const auth::AccountCreated account_created;
  auth::Service auth;
  const std::unique_ptr<storage::ObjectStore> media_store;  // photos and image messages (local or S3)
  profiles::Photos photos;
  profiles::Service profiles;
  subscriptions::Service subscriptions;  // plans and a user's subscription (entitlements.hpp gates features)
  questionnaire::Service questionnaire;
  const std::unique_ptr<matching::EmbeddingProvider> embedder;
  const matching::ChatClient llm;
  // Redis's notices of changes to the match cache's keys (started by start_background, so only a
  // serving node listens), and the cache itself.
  cache::KeyInvalidations match_cache_notices;
  matching::MatchCache match_cache;
  // The reciprocal model this node ranks with (loaded and polled by start_background), and the
  // daily exposure cap (docs/matching.md "The learned ranking").
  matching::ModelStore models;
  matching::ExposureCap exposure;
  matching::Engine match_engine;
  matching::Learner learner;  // `perfectmatch learn` and the worker's scheduled training
  matching::Discovery discovery;
  matching::Service matching;
  messaging::Service messaging;
  staff::Service staff;  // moderation, look-ups, comp plans (roles come from `perfectmatch admin grant`)
  flags::Service flags;  // feature flags: PostgreSQL, mirrored to Redis, read through a local snapshot
  realtime::Hub hub;     // events to sockets on every node (docs/realtime.md)
  realtime::Protocol socket_protocol;

  // Background work of a serving process (mail delivery, the realtime hub's subscription).
  void start_background();
  // Hands the HTTP server what it needs of the app before it starts: the GET /api/v1/ws upgrades,
  // and the gate that lets only signed-in callers send large bodies.
  void attach(http::Server& server);
  // The process is stopping: /readyz says 503 from now on (its load balancer takes it out).
  void begin_draining() { health_.begin_draining(); }
  // Stops background work and closes the pools (after the server has stopped).
  void close();

 private:
  http::UpgradeHandler websocket();
  ops::HealthService health_;
};

}  // namespace pm::app
