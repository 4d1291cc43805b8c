#include "notifications/email_outbox.hpp"

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"

namespace pm::notifications {

namespace {
std::string context(const std::string& outbox_id) { return "email_outbox.payload:" + outbox_id; }
}  // namespace

void EmailOutbox::enqueue(pqxx::work& tx, const std::string& user_id, const std::string& to, const std::string& subject,
                          const std::string& body) {
  auto id = crypto::uuid_v4();
  Json payload = {{"to", to}, {"subject", subject}, {"body", body}};
  tx.exec_params("INSERT INTO email_outbox (outbox_id, user_id, payload) VALUES ($1, $2, $3)", id, user_id,
                 cipher_.encrypt(payload.dump(), context(id)));
}

Result<int> EmailOutbox::deliver_pending(int limit) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<int> {
    auto rows = tx.exec_params(
        "SELECT outbox_id, payload, attempts FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit);
    int sent = 0;
    for (const auto& row : rows) {
      auto id = row[0].as<std::string>();
      auto payload = cipher_.decrypt(row[1].as<std::string>(), context(id));
      Result<void> delivered = payload ? Result<void>{} : std::unexpected(payload.error());
      if (payload) {
        auto p = Json::parse(*payload);
        delivered = sender_->send({.id = id, .to = p["to"], .subject = p["subject"], .body = p["body"]});
      }
      if (delivered) {
        tx.exec_params("UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1 WHERE outbox_id = $1", id);
        ++sent;
      } else {
        // Back off exponentially (30 s, 1 min, 2 min, ... capped at 1 h).
        tx.exec_params(
            "UPDATE email_outbox SET attempts = attempts + 1, last_error = $2, "
            "next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts)) "
            "WHERE outbox_id = $1",
            id, delivered.error().detail);
        log::warn("mail_delivery_failed", {{"outbox_id", id}, {"error", delivered.error().detail}});
      }
    }
    return sent;
  });
}

Result<long> EmailOutbox::rotate_keys() {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<long> {
    long n = 0;
    for (const auto& row : tx.exec_params(
             "SELECT outbox_id, payload FROM email_outbox WHERE sent_at IS NULL AND payload NOT LIKE $1 FOR UPDATE",
             "pm1." + cipher_.active_key_id() + ".%")) {
      auto id = row[0].as<std::string>();
      auto plain = PM_TRY(cipher_.decrypt(row[1].as<std::string>(), context(id)));
      tx.exec_params("UPDATE email_outbox SET payload = $2 WHERE outbox_id = $1", id,
                     cipher_.encrypt(plain, context(id)));
      ++n;
    }
    return n;
  });
}

void EmailOutbox::start(std::chrono::seconds every) {
  thread_ = std::thread([this, every] { run(every); });
}

void EmailOutbox::kick() {
  {
    std::lock_guard lock(mutex_);
    kicked_ = true;
  }
  wake_.notify_one();
}

void EmailOutbox::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EmailOutbox::run(std::chrono::seconds every) {
  constexpr int kBatch = 50;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, every, [this] { return kicked_ || stopping_; });
    if (stopping_) break;
    kicked_ = false;
    lock.unlock();
    for (;;) {
      auto sent = deliver_pending(kBatch);
      if (!sent || *sent < kBatch) break;
    }
    lock.lock();
  }
}

}  // namespace pm::notifications
