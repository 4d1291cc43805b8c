#include "staff/service.hpp"

#include <fmt/format.h>

#include "admin/audit_log.hpp"
#include "auth/model.hpp"
#include "auth/restrictions.hpp"
#include "cache/rate_limit.hpp"
#include "core/actor.hpp"
#include "core/background.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "staff/repository.hpp"
#include "subscriptions/comp.hpp"
#include "subscriptions/provider_cancellation.hpp"

namespace pm::staff {

namespace {

constexpr int kMessagesShown = 100;

Problem report_not_found() { return Problem("not-found", "there is no such report"); }

// Who may settle a report. Nobody settles one they are part of (a moderator clearing their own
// record, or punishing whoever reported them). Suspending or banning a member of staff, or removing
// their photo, is above a moderator; an admin's account is out of reach of suspension and ban
// through reports (an operator revokes the role first, `perfectmatch admin grant`), so no admin can
// lock the others out either.
std::optional<Problem> party_to(const Report& r, const UserId& staff_id) {
  if (r.reporter_id != staff_id && r.reported_id != staff_id) return std::nullopt;
  return Problem("staff-only", "a member of staff never handles a report they made or that is about them");
}

std::optional<Problem> refused_to(const UserId& staff_id, std::optional<Role> caller, const Report& r,
                                  std::optional<Role> subject, Action action) {
  if (auto party = party_to(r, staff_id)) return party;
  const bool punishes = action == Action::suspend || action == Action::ban;
  if (!subject || (!punishes && action != Action::remove_photo)) return std::nullopt;
  if (punishes && *subject == Role::admin)
    return Problem("staff-only", "an admin's account is not suspended or banned through a report");
  if (caller != Role::admin) return Problem("staff-only", "this needs the admin staff role: the account is staff");
  return std::nullopt;
}

}  // namespace

Result<std::optional<Role>> Service::role_of(const UserId& user_id) {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db,
                      [&](pqxx::work& tx) -> Result<std::optional<Role>> { return repository::role_of(tx, user_id); });
}

Result<std::string> Service::grant_role(const std::string& email, std::optional<Role> role) {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::string> {
    auto user = auth::account_by_email_index(tx, d_.email_index(auth::normalize_email(email)));
    if (!user) return std::unexpected(Problem("not-found", "no account has this email address"));
    if (role)
      repository::set_role(tx, *user, *role);
    else if (!repository::revoke_role(tx, *user))
      return std::unexpected(Problem("not-found", "this account has no staff role"));
    // An operator's command: no actor (user_id empty), the account as the subject.
    admin::record(tx, {.event = role ? "staff_role_granted" : "staff_role_revoked",
                       .details = {{"role", role ? Json(std::string(to_string(*role))) : Json(nullptr)}},
                       .subject_id = *user});
    return user->str();
  });
}

Result<ReportPage> Service::reports(const UserId& staff_id, const std::string& status, int limit) {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<ReportPage> {
    ReportPage page{repository::reports(tx, status, limit, staff_id)};
    // The queue shows each reporter's own words, as one report's page does: audited alike.
    for (const auto& r : page.reports)
      admin::record(tx, {.user_id = staff_id,
                         .event = "staff_reports_listed",
                         .details = {{"report_id", r.report_id}},
                         .subject_id = r.reported_id});
    return page;
  });
}

Result<Report> Service::report(const UserId& staff_id, const std::string& raw_id) {
  if (!crypto::is_uuid(raw_id)) return std::unexpected(report_not_found());
  const std::string report_id = crypto::canonical_uuid(raw_id);
  actor::Scope as_system(actor::Scope::system());
  auto found = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Report> {
    auto r = repository::report(tx, report_id);
    if (!r) return std::unexpected(report_not_found());
    // Who reported them, in their words, and the messages between them: not for the one reported.
    if (auto party = party_to(*r, staff_id)) return std::unexpected(*party);
    Json reported = {{"profile", nullptr}, {"photos", Json::array()}, {"messages", Json::array()}};
    if (r->reported_id) {
      if (auto profile = repository::reported_profile(tx, *r->reported_id)) reported["profile"] = *profile;
      if (r->reporter_id)
        reported["messages"] = repository::messages_between(tx, *r->reporter_id, *r->reported_id, kMessagesShown);
    }
    r->reported = reported;
    admin::record(tx, {.user_id = staff_id,
                       .event = "staff_report_view",
                       .details = {{"report_id", report_id}},
                       .subject_id = r->reported_id});
    return *r;
  }));
  if (found.reported_id) {
    auto photos = PM_TRY(d_.photos.list(*found.reported_id));
    for (const auto& p : photos) found.reported["photos"].push_back(p.to_json());
  }
  return found;
}

Result<Report> Service::act(const UserId& staff_id, const std::string& raw_id, const ActionInput& in) {
  if (!crypto::is_uuid(raw_id)) return std::unexpected(report_not_found());
  const std::string report_id = crypto::canonical_uuid(raw_id);
  actor::Scope as_system(actor::Scope::system());
  bool end_sessions = false;
  bool mailed = false;
  std::vector<std::string> removed_objects;  // a removed photo's, deleted from the store once committed
  std::function<void()> after_ban;           // a ban's follow-up once committed (Deps::on_banning)
  // Under the report's lock: of two actions on one report, the second finds it resolved and does
  // nothing (a photo's row goes in this transaction, with the resolution and its audit entry).
  auto done = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Report> {
    end_sessions = mailed = false;
    removed_objects.clear();
    after_ban = nullptr;
    auto r = repository::report_for_update(tx, report_id);
    if (!r) return std::unexpected(report_not_found());
    if (r->status != "open")
      return std::unexpected(Problem("report-resolved", fmt::format("this report is already {}", r->status)));
    if (in.action != Action::dismiss && !r->reported_id)
      return std::unexpected(Problem("not-found", "the reported account no longer exists"));
    const auto subject_role = r->reported_id ? repository::role_of(tx, *r->reported_id) : std::nullopt;
    if (auto refused = refused_to(staff_id, repository::role_of(tx, staff_id), *r, subject_role, in.action))
      return std::unexpected(*refused);
    const UserId subject = r->reported_id.value_or(UserId());  // empty for a dismissal of a deleted account's
    Json details = {{"report_id", report_id}};
    if (!in.note.empty()) details["note"] = in.note;
    std::string event;
    switch (in.action) {
      case Action::dismiss:
        event = "report_dismissed";
        break;
      case Action::warn:
        event = "user_warned";
        PM_TRY(d_.auth.mail_user(
            tx, subject, "A warning about your Perfect Match account",
            fmt::format("someone reported your account and our moderators found that it broke the rules "
                        "of Perfect Match ({}).{}\n\nPlease keep to the rules: a further report may suspend or "
                        "close your account.\n",
                        r->reason, in.note.empty() ? "" : "\n\n" + in.note)));
        mailed = true;
        break;
      case Action::suspend:
        event = "user_suspended";
        details["days"] = in.days;
        details["until"] = auth::suspend(tx, subject, in.days);
        end_sessions = true;
        break;
      case Action::ban:
        event = "user_banned";
        // The subscription's row before the user's, as a deletion and a webhook take them (the
        // other order could deadlock with the person's own deletion): they can no longer sign in
        // to cancel it.
        subscriptions::on_account_banned(tx, subject, d_.redis);
        // Its conversations close, before the user's row too, as a deletion locks them.
        if (d_.on_banning) after_ban = d_.on_banning(tx, subject);
        auth::ban(tx, subject);
        end_sessions = true;
        break;
      case Action::remove_photo: {
        auto keys = d_.photos.remove_row(tx, subject, in.media_id);
        if (!keys) return std::unexpected(Problem("not-found", "the reported user has no photo with this id"));
        removed_objects = std::move(*keys);
        event = "photo_removed";
        details["media_id"] = in.media_id;
        break;
      }
    }
    repository::resolve(tx, report_id, in.action == Action::dismiss ? "dismissed" : "reviewed", in.action,
                        staff_id.str());
    admin::record(tx, {.user_id = staff_id, .event = event, .details = details, .subject_id = subject});
    return *repository::report(tx, report_id);
  }));
  if (!removed_objects.empty()) d_.photos.removed(*done.reported_id, removed_objects);
  // Ending the sessions closes the account's sockets on every node (SessionStore::on_ended). The
  // restriction is committed: should Redis fail here, the job it queued ends them
  // (auth/restrictions.hpp), and the moderator is not told of a failure of what is done.
  if (end_sessions && done.reported_id)
    if (auto ended = d_.sessions.end_all(*done.reported_id); !ended)
      log::warn("staff_session_purge_deferred", {{"error", ended.error().type}});
  // The ban stands whatever its follow-up does (the others find the conversations closed when
  // they next write; cached previews expire).
  if (after_ban) survive("ban_follow_up_failed", after_ban);
  if (mailed) d_.outbox.kick();
  return done;
}

Result<Json> Service::lookup(const UserId& staff_id, const std::string& email) {
  actor::Scope as_system(actor::Scope::system());
  // Whether an address has an account is what a stalker asks: a staff member's look-ups (or a
  // stolen staff session's) are limited per hour, enough for a day of support tickets.
  PM_TRY(cache::enforce(d_.redis, "ratelimit:staff:lookup:" + staff_id.str(), {kLookupsPerHour, std::chrono::hours(1)},
                        "look-ups by email address"));
  const std::string index = d_.email_index(auth::normalize_email(email));
  // Audited either way: a look-up is access to whether an address has an account. So a miss
  // commits too (its entry with no subject) and becomes the 404 only afterwards. The address's
  // blind index says which was asked, to whoever holds the key and a suspicion, and to no one else.
  auto found = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<Json>> {
    auto user = auth::account_by_email_index(tx, index);
    admin::record(
        tx,
        {.user_id = staff_id, .event = "staff_user_lookup", .details = {{"email_index", index}}, .subject_id = user});
    return user ? repository::user_summary(tx, *user) : std::nullopt;
  }));
  if (!found) return std::unexpected(Problem("not-found", "no account has this email address"));
  return std::move(*found);
}

Result<admin::TrailPage> Service::audit_trail(const UserId& staff_id, const UserId& user_id,
                                              std::optional<long long> before, int limit) {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<admin::TrailPage> {
    auto page = admin::trail_of(tx, user_id, before, limit);
    admin::record(tx, {.user_id = staff_id, .event = "staff_audit_view", .subject_id = user_id});
    return page;
  });
}

Result<subscriptions::Subscription> Service::grant_plan(const UserId& staff_id, const UserId& user_id,
                                                        const PlanGrantInput& in) {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<subscriptions::Subscription> {
    auto s = PM_TRY(subscriptions::grant_comp(tx, user_id, in.plan_id, in.days));
    admin::record(tx, {.user_id = staff_id,
                       .event = "plan_granted",
                       .details = {{"plan_id", in.plan_id}, {"days", in.days}},
                       .subject_id = user_id});
    return s;
  });
}

Result<subscriptions::Subscription> Service::grant_plan_by_email(const std::string& email, const PlanGrantInput& in) {
  auto user = PM_TRY(([&]() -> Result<UserId> {
    actor::Scope as_system(actor::Scope::system());
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<UserId> {
      auto u = auth::account_by_email_index(tx, d_.email_index(auth::normalize_email(email)));
      if (!u) return std::unexpected(Problem("not-found", "no account has this email address"));
      return *u;
    });
  }()));
  return grant_plan(UserId(), user, in);  // no staff member: the command line
}

}  // namespace pm::staff
