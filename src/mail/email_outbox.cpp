#include "mail/email_outbox.hpp"

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "mail/repository.hpp"

namespace pm::mail {

namespace {
std::string context(const std::string& outbox_id) { return "email_outbox.payload:" + outbox_id; }
}  // namespace

void EmailOutbox::enqueue(pqxx::work& tx, const std::string& user_id, const std::string& to, const std::string& subject,
                          const std::string& body) {
  auto id = crypto::uuid_v4();
  Json payload = {{"to", to}, {"subject", subject}, {"body", body}};
  repository::insert_email(tx, id, user_id, cipher_.encrypt(payload.dump(), context(id)));
}

Result<int> EmailOutbox::deliver_pending(int limit) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<int> {
    int sent = 0;
    for (const auto& mail : repository::claim_due_emails(tx, limit)) {
      const auto& id = mail.outbox_id;
      auto payload = cipher_.decrypt(mail.payload_encrypted, context(id));
      Result<void> delivered = payload ? Result<void>{} : std::unexpected(payload.error());
      if (payload) {
        auto p = Json::parse(*payload);
        delivered = sender_->send({.id = id, .to = p["to"], .subject = p["subject"], .body = p["body"]});
      }
      if (delivered) {
        repository::mark_email_sent(tx, id);
        ++sent;
      } else {
        repository::mark_email_failed(tx, id, delivered.error().detail);
        log::warn("mail_delivery_failed", {{"outbox_id", id}, {"error", delivered.error().detail}});
      }
    }
    return sent;
  });
}

Result<long> EmailOutbox::rotate_keys() {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<long> {
    long n = 0;
    for (const auto& mail : repository::emails_not_under_key(tx, cipher_.active_key_id())) {
      auto plain = PM_TRY(cipher_.decrypt(mail.payload_encrypted, context(mail.outbox_id)));
      repository::set_email_payload(tx, mail.outbox_id, cipher_.encrypt(plain, context(mail.outbox_id)));
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

}  // namespace pm::mail
