#pragma once
// The email outbox: a mail is queued in the same transaction as the change that causes it
// (so a rolled-back sign-up sends nothing), then delivered by deliver_pending(): by a serving
// process right after the request, and by the worker each round. At most once, whatever crashes:
//   - a mail is claimed with SKIP LOCKED, and the start of its attempt (sending_since) is
//     committed before the first byte goes to the relay; only then is it sent, and its outcome
//     recorded in a second transaction. A process that dies in between leaves the mail "started,
//     outcome unknown", which is never attempted again (a lost mail rather than a second one);
//   - a temporary failure (4xx, network, TLS, login) is retried with backoff; a permanent one
//     (5xx) is recorded and never retried; a 5xx to the recipient also records a bounce against
//     the address (its blind index), and later mails to it are not attempted.
// docs/notifications.md ("Email") says how to point it at a relay.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <pqxx/pqxx>

#include "core/backlog.hpp"
#include "core/field_cipher.hpp"
#include "core/id.hpp"
#include "db/pool.hpp"
#include "mail/bounce_address.hpp"
#include "mail/dsn.hpp"
#include "mail/sender.hpp"
#include "mail/templates.hpp"

namespace pm::mail {

// What this process's deliveries came to since it started (the worker's /metrics).
struct DeliveryCounts {
  unsigned long long sent = 0;
  unsigned long long retried = 0;  // temporary failures, to be tried again
  unsigned long long failed = 0;   // permanent failures (a bounce counts here too), and skipped bounced addresses
  unsigned long long bounced = 0;  // recipients refused with a 5xx
};

// What a delivery status notification came to (record_report).
enum class ReportOutcome {
  bounced,   // a recipient failed for good (5.x.x): the address is recorded as bounced
  delayed,   // only "delayed" (4.x.x): counted on the mail
  ignored,   // delivered/relayed, or about a mail no longer kept
  not_ours,  // no bounce address of ours, or a forged one: refused
};
const char* report_outcome_name(ReportOutcome outcome);

class EmailOutbox {
 public:
  // `bounces`: VERP envelope senders (PM_SMTP_BOUNCE_DOMAIN); without, mails leave with the From address.
  EmailOutbox(db::Pool& db, const crypto::FieldCipher& cipher, const crypto::BlindIndex& email_index,
              std::unique_ptr<MailSender> sender, std::optional<BounceAddresses> bounces = std::nullopt)
      : db_(db), cipher_(cipher), email_index_(email_index), sender_(std::move(sender)), bounces_(std::move(bounces)) {}
  ~EmailOutbox() { stop(); }

  void enqueue(pqxx::work& tx, const UserId& user_id, const std::string& to, const Rendered& mail);
  // With the id of its cause (a notification's outbox row): queuing it twice queues it once.
  // `list_unsubscribe`: the one-click unsubscribe URL of a notification mail.
  void enqueue_as(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id, const std::string& to,
                  const Rendered& mail, const std::string& list_unsubscribe);
  // Sends up to `limit` due mails over one connection; returns how many were sent.
  Result<int> deliver_pending(int limit = 50);
  // Mails waiting to be attempted (neither sent, failed, nor started).
  Result<Backlog> backlog();
  DeliveryCounts counts() const;

  // A delivery status notification that came back to a bounce address (`perfectmatch mail bounce`):
  // the address it was delivered to (the DSN's envelope recipients) names the mail; a recipient
  // that failed for good (5.x.x) records a bounce against the mail's address, as a 5xx at sending
  // does, so no more mail goes there; "delayed" (4.x.x) is only counted. A forged or foreign
  // address records nothing (not_ours).
  Result<ReportOutcome> record_report(const Dsn& dsn);

  // Re-encrypts unsent payloads written with an older key; returns how many.
  Result<long> rotate_keys();

  // A background thread delivers when kicked (after a commit that queued mail) and every
  // `every` for retries. Delivery stays off the request path, so a request costs the same
  // whether or not it queued a mail (no account enumeration by timing).
  void start(std::chrono::seconds every);
  void kick();
  void stop();

 private:
  enum class Step { sent, retried, given_up, failed, none };
  Step deliver_one();
  void run(std::chrono::seconds every);

  db::Pool& db_;
  const crypto::FieldCipher& cipher_;
  const crypto::BlindIndex& email_index_;
  std::unique_ptr<MailSender> sender_;
  std::optional<BounceAddresses> bounces_;
  std::mutex send_mutex_;  // one batch at a time on the sender (the worker's loop and the kick thread)
  std::atomic<unsigned long long> sent_{0}, retried_{0}, failed_{0}, bounced_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pm::mail
