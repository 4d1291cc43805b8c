#pragma once
// The email outbox: a mail is queued in the same transaction as the change that causes it
// (so a rolled-back sign-up sends nothing), then delivered by deliver_pending(), right after
// the request and again by the worker for anything that failed. Rows are claimed with
// SKIP LOCKED, so several servers never deliver the same mail twice.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <pqxx/pqxx>

#include "core/field_cipher.hpp"
#include "db/pool.hpp"
#include "mail/sender.hpp"

namespace pm::mail {

class EmailOutbox {
 public:
  EmailOutbox(db::Pool& db, const crypto::FieldCipher& cipher, std::unique_ptr<MailSender> sender)
      : db_(db), cipher_(cipher), sender_(std::move(sender)) {}
  ~EmailOutbox() { stop(); }

  void enqueue(pqxx::work& tx, const std::string& user_id, const std::string& to, const std::string& subject,
               const std::string& body);
  // Sends up to `limit` due mails; returns how many were sent.
  Result<int> deliver_pending(int limit = 50);

  // Re-encrypts unsent payloads written with an older key; returns how many.
  Result<long> rotate_keys();

  // A background thread delivers when kicked (after a commit that queued mail) and every
  // `every` for retries. Delivery stays off the request path, so a request costs the same
  // whether or not it queued a mail (no account enumeration by timing).
  void start(std::chrono::seconds every);
  void kick();
  void stop();

 private:
  void run(std::chrono::seconds every);

  db::Pool& db_;
  const crypto::FieldCipher& cipher_;
  std::unique_ptr<MailSender> sender_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pm::mail
