#include "mail/email_outbox.hpp"

#include <algorithm>
#include <cctype>

#include "core/background.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "db/transaction.hpp"
#include "mail/repository.hpp"

namespace pm::mail {

namespace {

// How long a kicked delivery waits for the request that queued its mail to have answered (run).
constexpr std::chrono::milliseconds kKickSettle{250};
// The outcome of a mail refused for 5 days, only ever temporarily: failed (repository::mark_email_retry).
constexpr const char* kGivenUp = "given_up";

std::string context(const std::string& outbox_id) { return "email_outbox.payload:" + outbox_id; }

// A mail claimed and started: what deliver_one sends once the start is committed.
struct Started {
  Mail mail;
  std::string to_index;
};

}  // namespace

void EmailOutbox::enqueue(pqxx::work& tx, const UserId& user_id, const std::string& to, const Rendered& mail) {
  enqueue_as(tx, crypto::uuid_v4(), user_id, to, mail, "");
}

void EmailOutbox::enqueue_as(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id, const std::string& to,
                             const Rendered& mail, const std::string& list_unsubscribe) {
  Json payload = {{"to", to}, {"subject", mail.subject}, {"body", mail.text}, {"html", mail.html}};
  if (!list_unsubscribe.empty()) payload["list_unsubscribe"] = list_unsubscribe;
  repository::insert_email(tx, outbox_id, user_id, cipher_.encrypt(payload.dump(), context(outbox_id)));
}

EmailOutbox::Step EmailOutbox::deliver_one() {
  // 1. Claim one due mail and commit the start of its attempt (or its end, when it cannot go).
  std::optional<Started> started;
  auto claimed = db::transact(db_, [&](pqxx::work& tx) -> Result<Step> {
    started.reset();
    auto row = repository::claim_due_email(tx);
    if (!row) return Step::none;
    const auto& id = row->outbox_id;
    auto payload = cipher_.decrypt(row->payload_encrypted, context(id));
    if (!payload) {
      repository::mark_email_failed(tx, id, "the payload cannot be decrypted");
      return Step::failed;
    }
    auto p = Json::parse(*payload);
    Mail mail{.id = id,
              .to = p.value("to", ""),
              .subject = p.value("subject", ""),
              .body = p.value("body", ""),
              .html = p.value("html", ""),
              .list_unsubscribe = p.value("list_unsubscribe", ""),
              .envelope_from = bounces_ ? bounces_->make(id) : ""};
    auto to_index = email_index_(ascii_lower(mail.to));
    if (repository::has_bounced(tx, to_index)) {
      repository::mark_email_failed(tx, id, "not attempted: the address bounced before");
      return Step::failed;
    }
    repository::mark_email_sending(tx, id);
    started = Started{.mail = std::move(mail), .to_index = std::move(to_index)};
    return Step::sent;
  });
  if (!claimed) {
    log::warn("mail_claim_failed", {{"error", claimed.error().type}});
    return Step::none;
  }
  if (*claimed == Step::failed) {
    ++failed_;
    return Step::failed;
  }
  if (!started) return Step::none;

  // 2. Send, outside any transaction.
  const auto& mail = started->mail;
  Result<void> delivered = [&]() -> Result<void> {
    try {
      return sender_->send(mail);
    } catch (const std::exception&) {
      return std::unexpected(send_failure(kTemporary, "the sender threw"));
    }
  }();

  // 3. Record the outcome. If this fails the mail stays "started": never sent twice.
  std::string outcome = delivered ? "" : outcome_of(delivered.error());
  auto recorded = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
    if (delivered) {
      repository::mark_email_sent(tx, mail.id);
    } else if (outcome == kTemporary) {
      if (repository::mark_email_retry(tx, mail.id, delivered.error().detail)) outcome = kGivenUp;
    } else {
      repository::mark_email_failed(tx, mail.id, delivered.error().detail);
      if (outcome == kBounced) repository::record_bounce(tx, started->to_index, delivered.error().detail);
    }
    return true;
  });
  if (!recorded) log::warn("mail_result_unrecorded", {{"outbox_id", mail.id}, {"error", recorded.error().type}});
  if (delivered) {
    ++sent_;
    return Step::sent;
  }
  // The relay's words (a reply code and libcurl's fixed text), never the address.
  log::warn("mail_delivery_failed",
            {{"outbox_id", mail.id}, {"outcome", outcome}, {"error", delivered.error().detail}});
  if (outcome == kTemporary) {
    ++retried_;
    return Step::retried;
  }
  ++failed_;
  if (outcome == kBounced) ++bounced_;
  // Given up: a temporary failure still, so the relay is as unwell as for a retry.
  return outcome == kGivenUp ? Step::given_up : Step::failed;
}

Result<int> EmailOutbox::deliver_pending(int limit) {
  std::lock_guard lock(send_mutex_);
  int sent = 0;
  for (int i = 0; i < limit; ++i) {
    auto step = deliver_one();
    if (step == Step::sent) ++sent;
    // Nothing left, or the relay is unwell (down, busy, our login refused): the rest wait for the
    // next round rather than each costing a timeout now.
    if (step == Step::none || step == Step::retried || step == Step::given_up) break;
  }
  sender_->end_batch();
  return sent;
}

const char* report_outcome_name(ReportOutcome outcome) {
  switch (outcome) {
    case ReportOutcome::bounced:
      return "bounced";
    case ReportOutcome::delayed:
      return "delayed";
    case ReportOutcome::ignored:
      return "ignored";
    case ReportOutcome::not_ours:
      return "not_ours";
  }
  return "ignored";
}

Result<ReportOutcome> EmailOutbox::record_report(const Dsn& dsn) {
  if (!bounces_) return std::unexpected(Problem("config", "PM_SMTP_BOUNCE_DOMAIN is not set: no bounce addresses"));
  std::optional<std::string> outbox_id;
  for (const auto& to : dsn.envelope_to)
    if ((outbox_id = bounces_->read(to))) break;
  if (!outbox_id) return ReportOutcome::not_ours;

  return db::transact(db_, [&](pqxx::work& tx) -> Result<ReportOutcome> {
    auto row = repository::email_by_id(tx, *outbox_id);
    if (!row) return ReportOutcome::ignored;
    auto payload = PM_TRY(cipher_.decrypt(row->payload_encrypted, context(*outbox_id)));
    const std::string to = ascii_lower(Json::parse(payload).value("to", ""));
    // The recipient the report is about: the mail's (each mail has one); an MTA that rewrote the
    // address (an alias, a forward) reports another, which counts when it is the only one.
    const DsnRecipient* about = nullptr;
    for (const auto& r : dsn.recipients)
      if (ascii_lower(r.final_recipient) == to) about = &r;
    if (!about && dsn.recipients.size() == 1) about = &dsn.recipients.front();
    if (!about) return ReportOutcome::ignored;
    if (about->action == "failed" && about->permanent()) {
      // The status only: a diagnostic may quote the address.
      const std::string reason = "bounced after delivery: DSN " + about->status;
      repository::record_bounce(tx, email_index_(to), reason);
      repository::mark_email_bounced_later(tx, *outbox_id, reason);
      return ReportOutcome::bounced;
    }
    if (about->action == "delayed" || about->transient()) {
      repository::count_email_delay(tx, *outbox_id);
      return ReportOutcome::delayed;
    }
    return ReportOutcome::ignored;
  });
}

Result<Backlog> EmailOutbox::backlog() {
  return db::transact(db_, [](pqxx::work& tx) -> Result<Backlog> { return repository::pending_emails(tx); });
}

DeliveryCounts EmailOutbox::counts() const {
  return {.sent = sent_.load(), .retried = retried_.load(), .failed = failed_.load(), .bounced = bounced_.load()};
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
    // A kick's delivery starts a moment after the request that queued the mail has answered:
    // started at once (its statements, the rendering, the SMTP exchange), it competed with that
    // answer, and a password reset for an address with an account took ~1 ms longer than one
    // without, on 1,000 tries each (bench/reset_timing.py; docs/security.md).
    if (kicked_ && wake_.wait_for(lock, kKickSettle, [this] { return stopping_; })) break;
    kicked_ = false;
    lock.unlock();
    survive_round("email_outbox", [&] {
      for (;;) {
        auto sent = deliver_pending(kBatch);
        if (!sent || *sent < kBatch) break;
      }
    });
    lock.lock();
  }
}

}  // namespace pm::mail
