#include "profiles/service.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "admin/audit_log.hpp"
#include "auth/model.hpp"
#include "auth/personal_data.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "notifications/personal_data.hpp"
#include "outcomes/service.hpp"
#include "profiles/repository.hpp"

namespace pm::profiles {

namespace {

// Whether the account exists at all: a user may block or report anyone by id, also someone whose
// profile row-level security hides from them (docs/security.md).
bool exists(pqxx::work& tx, const UserId& user_id) {
  db::AsSystem system(tx);
  return repository::user_exists(tx, user_id);
}

}  // namespace

Problem no_such_user() { return Problem("not-found", "there is no user with this id, or they are not visible to you"); }

Result<Profile> Service::decrypt(Profile p) const {
  p.email = PM_TRY(d_.cipher.decrypt(p.email, auth::email_context(p.user_id)));
  if (p.last_name) p.last_name = PM_TRY(d_.cipher.decrypt(*p.last_name, auth::last_name_context(p.user_id)));
  return p;
}

Result<void> Service::limit(const std::string& what, const UserId& user_id, cache::Limit limit) {
  return cache::enforce(d_.redis, "ratelimit:" + what + ":" + user_id.str(), limit, what);
}

Result<Profile> Service::me(const UserId& user_id) {
  auto row = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<repository::ProfileRow>> {
    return repository::load(tx, user_id);
  }));
  if (!row) return std::unexpected(Problem("not-found", "the account no longer exists"));
  row->profile.photos = PM_TRY(d_.photos.list(user_id));
  return decrypt(row->profile);
}

Result<Profile> Service::update_me(const UserId& user_id, const ProfilePatch& patch) {
  // Each edit others see drops their cached lists: budgeted, as other cheap writes are.
  PM_TRY(limit("profile edits", user_id, d_.limits.profile_edits));
  // Each move is a new vantage point from which others' distances are shown: the distinct places
  // are capped per day. A place is the grid cell distances are measured from (0.01 degree): moving
  // back to one already used today shows nothing new, and costs nothing (once the budget was spent,
  // someone who cleared their location could not set it again for a day).
  if (patch.location && *patch.location) {
    const auto& at = **patch.location;
    // Rounded as ST_SnapToGrid rounds (half to even); 180 and -180 are one meridian.
    const long long lon = std::llrint(at.longitude * 100);
    const std::string cell = fmt::format("{}:{}", std::llrint(at.latitude * 100), lon == 18000 ? -18000 : lon);
    PM_TRY(cache::enforce_distinct(d_.redis, "ratelimit:location places:" + user_id.str(), cell,
                                   d_.limits.location_changes, "location changes"));
  }
  ProfilePatch stored = patch;
  if (patch.last_name && *patch.last_name && !(*patch.last_name)->empty())
    stored.last_name = std::optional(d_.cipher.encrypt(**patch.last_name, auth::last_name_context(user_id)));
  else if (patch.last_name)
    stored.last_name = std::optional<std::string>{};
  const bool shown = PM_TRY(
      db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> { return repository::update(tx, user_id, stored); }));
  if (shown && d_.on_shown_changed) d_.on_shown_changed(user_id);
  return me(user_id);
}

Result<PublicProfile> Service::user(const UserId& viewer, const UserId& user_id) {
  // Another's profile says where they are (a distance) and when they were last on: opened again and
  // again, a record of both, and opened widely, a scrape. Ids that find nobody count too (probes).
  if (viewer != user_id) PM_TRY(limit("profile views", viewer, d_.limits.profile_views));
  auto found = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<PublicProfile>> {
    auto profile = repository::load_public(tx, viewer, user_id);
    // Who looked at whom: the record a stalking complaint needs.
    if (profile && viewer != user_id)
      admin::record(tx, {.user_id = viewer,
                         .event = "profile_view",
                         .subject_id = user_id,
                         .unless_recorded_within = admin::kViewRecordedOncePer});
    return profile;
  }));
  if (!found) return std::unexpected(no_such_user());
  found->photos = PM_TRY(d_.photos.list(user_id));
  // To others, when a photo went up as its day, like last_active: to the millisecond, the photos
  // were a record of when their person was on the app, whatever show_online_status said.
  if (viewer != user_id)
    for (auto& photo : found->photos) photo.uploaded_at = photo.uploaded_at.substr(0, 10) + "T00:00:00.000Z";
  return *found;
}

Result<Preferences> Service::preferences(const UserId& user_id) {
  auto prefs = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<Preferences>> {
    return repository::load_preferences(tx, user_id);
  }));
  if (!prefs) return std::unexpected(Problem("not-found", "the account no longer exists"));
  return *prefs;
}

Result<Preferences> Service::update_preferences(const UserId& user_id, const PreferencesPatch& patch) {
  // What others' lists or matching see (ages, distance, privacy) counts against the profile edits'
  // budget: a privacy setting toggled drops every partner's cached list, and each new distance
  // limit is a new probe of where the others are. Notification settings and the language are
  // one's own: never refused for it (nor when Redis, which keeps the budget, is down).
  if (patch.min_age || patch.max_age || patch.max_distance || !patch.privacy_settings.empty())
    PM_TRY(limit("profile edits", user_id, d_.limits.profile_edits));
  auto saved = db::transact(d_.db, [&](pqxx::work& tx) -> Result<Preferences> {
    auto current = repository::load_preferences(tx, user_id, true);
    if (!current) return std::unexpected(Problem("not-found", "the account no longer exists"));
    Preferences next = *current;
    if (patch.min_age) next.min_age = *patch.min_age;
    if (patch.max_age) next.max_age = *patch.max_age;
    if (patch.max_distance) next.max_distance = *patch.max_distance;
    next.notification_settings.update(patch.notification_settings);
    next.privacy_settings.update(patch.privacy_settings);
    if (patch.language) next.language = *patch.language;
    if (next.min_age > next.max_age) {
      Problem p("validation-failed", "min_age must not be greater than max_age");
      p.extensions["errors"] = Json::array({{{"field", "min_age"}, {"message", "must not be greater than max_age"}}});
      return std::unexpected(p);
    }
    repository::save_preferences(tx, user_id, next);
    return next;
  });
  if (saved && !patch.privacy_settings.empty() && d_.on_shown_changed) d_.on_shown_changed(user_id);  // show_age
  return saved;
}

Result<void> Service::block(const UserId& user_id, const UserId& other) {
  if (other == user_id) return std::unexpected(Problem("invalid-target", "you cannot block yourself"));
  PM_TRY(limit("blocks", user_id, d_.limits.blocks));
  // An id that names no account is "blocked" too (204, nothing stored): a 404 told whoever kept
  // someone's id whether that account still exists, though hidden or blocking them (a stalker
  // checking whether the person they follow is still here, to come back under a new account).
  // (Recorded in the person's security log either way, which their export shows.)
  bool stored = false;
  auto blocked = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    stored = exists(tx, other);
    // Listed (to unblock from) under the name the blocker can see now: never one they could not.
    if (stored) {
      const auto seen = repository::load_public(tx, user_id, other);
      repository::block(tx, user_id, other, seen ? std::optional(seen->first_name) : std::nullopt);
    }
    admin::record(tx, {.user_id = user_id, .event = "block", .subject_id = other});
    return {};
  });
  if (blocked && stored && d_.on_block) d_.on_block(user_id, other);
  return blocked;
}

Result<void> Service::unblock(const UserId& user_id, const UserId& other) {
  // Counted with blocks: block-unblock cycles would otherwise re-notify and re-probe for free.
  PM_TRY(limit("blocks", user_id, d_.limits.blocks));
  auto unblocked = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    repository::unblock(tx, user_id, other);
    admin::record(tx, {.user_id = user_id, .event = "unblock", .subject_id = other});
    return {};
  });
  if (unblocked && d_.on_unblock) d_.on_unblock(user_id, other);
  return unblocked;
}

Result<BlockedPeople> Service::blocked_by(const UserId& user_id) {
  // On the primary: a block made a moment ago is listed.
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<BlockedPeople> {
    return BlockedPeople{repository::blocked_by(tx, user_id, kMaxBlocksListed)};
  });
}

Result<std::string> Service::report(const UserId& user_id, const UserId& other, const ReportInput& report) {
  if (other == user_id) return std::unexpected(Problem("invalid-target", "you cannot report yourself"));
  PM_TRY(limit("reports", user_id, d_.limits.reports));
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::string> {
    // An id that names no account is filed too, about nobody (as a report is once its account is
    // deleted): a 404 told whether the account still exists (as for block, above), and a report of
    // someone who just deleted their account is still the moderators' to read.
    const std::optional<UserId> reported = exists(tx, other) ? std::optional(other) : std::nullopt;
    auto report_id = repository::insert_report(tx, user_id, reported, report);
    admin::record(tx, {.user_id = user_id,
                       .event = "report",
                       .details = {{"report_id", report_id}, {"reason", report.reason}},
                       .subject_id = other});
    return report_id;
  });
}

Result<Json> Service::export_data(const UserId& user_id) {
  PM_TRY(limit("exports", user_id, d_.limits.exports));
  auto rows = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Json> {
    Json out = repository::export_rows(tx, user_id);
    out.update(auth::personal_data(tx, user_id));
    out.update(notifications::personal_data(tx, user_id));
    for (const auto& part : d_.personal_data) out.update(part(tx, user_id));
    out["security_log"] = admin::entries_of(tx, user_id);
    out["decisions"] = Json::array();  // one's own, never others' about one
    for (const auto& decision : outcomes::decisions_of(tx, user_id)) out["decisions"].push_back(decision.to_json());
    admin::record(tx, {.user_id = user_id, .event = "data_export"});
    return out;
  }));
  // Stored ciphertexts are replaced by what they hold: the export is for the person.
  for (auto& user : rows["user"]) {
    if (user.contains("email") && user["email"].is_string())
      user["email"] = PM_TRY(d_.cipher.decrypt(user["email"].get<std::string>(), auth::email_context(user_id)));
    if (user.contains("last_name") && user["last_name"].is_string())
      user["last_name"] =
          PM_TRY(d_.cipher.decrypt(user["last_name"].get<std::string>(), auth::last_name_context(user_id)));
  }
  // The photos themselves, not only their keys in the store: signed URLs, as the app shows them.
  for (const auto& photo : PM_TRY(d_.photos.list(user_id)))
    for (auto& entry : rows["photos"])
      if (entry.value("media_id", "") == photo.media_id) {
        entry["url"] = photo.url;
        entry["thumbnail_url"] = photo.thumbnail_url;
        entry["urls_expire_at"] = photo.expires_at;
      }
  // The signed-in devices as the account page lists them (what was stored of each: the browser and
  // the times), beside their count.
  auto sessions = d_.sessions.records(user_id);
  rows["active_sessions"] = sessions ? sessions->size() : 0;
  rows["sessions"] = auth::DeviceSessions::of(sessions ? std::move(*sessions) : std::vector<auth::SessionRecord>{})
                         .to_json()["sessions"];
  return rows;
}

Result<void> Service::delete_account(const UserId& user_id, const std::string& ip) {
  std::vector<std::string> media;
  std::vector<std::function<void()>> then;
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    {
      db::AsSystem system(tx);  // the other person's uploads in the shared conversations go too
      for (const auto& before : d_.before_account_deletion) {
        auto after = before(tx, user_id);
        std::ranges::move(after.objects, std::back_inserter(media));
        if (after.then) then.push_back(std::move(after.then));
      }
      // The photos after the user's row lock (after the hooks' locks, in their order): an upload
      // under way holds it until its photo is in, and so is read here, and queued for removal.
      (void)repository::lock_user(tx, user_id);
      std::ranges::move(repository::media_keys(tx, user_id), std::back_inserter(media));
    }
    Photos::queue_removal(tx, media);  // should the store refuse the removal after the commit
    auth::delete_account(tx, user_id);
    admin::record(tx, {.user_id = user_id, .event = "account_deletion", .ip = ip});
    return {};
  }));
  d_.photos.remove_objects(media);
  for (const auto& step : then) step();
  // The account is gone; should Redis refuse now, the purge auth::delete_account queued ends the
  // sessions in the worker, so this must not turn the deletion into an error.
  if (auto ended = d_.sessions.end_all(user_id); !ended)
    log::warn("account_sessions_not_ended", {{"user_id", user_id.str()}, {"error", ended.error().detail}});
  return {};
}

}  // namespace pm::profiles
