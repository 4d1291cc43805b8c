#pragma once
// Staff and moderation: the reports queue with what was reported, the actions on a report
// (dismiss, warn, suspend N days, ban, remove a photo), user look-up by email, and plans given
// without payment. Roles are granted only by the `perfectmatch admin grant` command. Every action
// is in the audit log with its actor (the member of staff) and its subject. The routes check the
// caller's role; the work runs as the system (staff read and change other users' rows).

#include <functional>
#include <optional>
#include <string>

#include "admin/audit_log.hpp"
#include "auth/service.hpp"
#include "auth/sessions.hpp"
#include "cache/redis.hpp"
#include "core/field_cipher.hpp"
#include "db/pool.hpp"
#include "mail/email_outbox.hpp"
#include "profiles/photos.hpp"
#include "staff/model.hpp"
#include "subscriptions/model.hpp"

namespace pm::staff {

class Service {
 public:
  struct Deps {
    db::Pool& db;
    cache::RedisPool& redis;                // a banned person's open checkout
    auth::Service& auth;                    // sign-in refusals, the warning mail
    auth::SessionStore& sessions;           // a suspension or ban ends every session (and so every socket)
    profiles::Photos& photos;               // the reported user's photos, and removing one
    mail::EmailOutbox& outbox;              // woken after a warning is queued
    const crypto::BlindIndex& email_index;  // look-up by email
    // A ban's part in the other modules, in its transaction before the user's row (the account's
    // conversations close: messaging::Service::close_conversations_of_banned); returns what to do
    // once it committed (the others told; the account's previews leave their cached match lists).
    std::function<std::function<void()>(pqxx::work&, const UserId&)> on_banning = {};
  };
  explicit Service(Deps deps) : d_(deps) {}

  // Look-ups by email address per staff member and hour.
  static constexpr int kLookupsPerHour = 60;

  // The user's staff role, if any.
  Result<std::optional<Role>> role_of(const UserId& user_id);
  // `perfectmatch admin grant EMAIL ROLE` (role nullopt: revoke). 404 for an unknown address.
  Result<std::string> grant_role(const std::string& email, std::optional<Role> role);

  // The queue: reports with `status` (open by default), oldest first; resolved ones newest decision first.
  Result<ReportPage> reports(const UserId& staff_id, const std::string& status, int limit);
  // One report with what was reported: the reported user's profile and photos (signed URLs) and
  // the messages of the pair's conversation. The look is audited (staff_report_view).
  Result<Report> report(const UserId& staff_id, const std::string& report_id);
  // Acts on an open report (409 report-resolved otherwise).
  Result<Report> act(const UserId& staff_id, const std::string& report_id, const ActionInput& input);

  // An account by its email address (audited: staff_user_lookup). 404 when none has it.
  Result<Json> lookup(const UserId& staff_id, const std::string& email);
  // The audit trail of one user (admins): entries by or about them, newest first; the reading is
  // itself audited (staff_audit_view).
  Result<admin::TrailPage> audit_trail(const UserId& staff_id, const UserId& user_id, std::optional<long long> before,
                                       int limit);
  // Gives the plan for `days` without payment (payment_method "comp"); staff_id empty: the command line.
  Result<subscriptions::Subscription> grant_plan(const UserId& staff_id, const UserId& user_id,
                                                 const PlanGrantInput& input);
  // The same, by email (the command line).
  Result<subscriptions::Subscription> grant_plan_by_email(const std::string& email, const PlanGrantInput& input);

 private:
  Deps d_;
};

}  // namespace pm::staff
