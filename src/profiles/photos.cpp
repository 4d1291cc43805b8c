#include "profiles/photos.hpp"

#include <set>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "profiles/repository.hpp"
#include "profiles/service.hpp"

namespace pm::profiles {

namespace {

constexpr const char* kRemoveObjectsJob = "remove_media_objects";
constexpr std::chrono::seconds kRemovalRetry{60};

}  // namespace

Json Photo::to_json() const {
  return {{"media_id", media_id},
          {"display_order", display_order},
          {"url", url},
          {"thumbnail_url", thumbnail_url},
          {"width", width},
          {"height", height},
          {"uploaded_at", uploaded_at},
          {"expires_at", expires_at}};
}

Photo Photos::with_urls(const std::string& media_id, int order, const std::string& display_key,
                        const std::string& thumb_key, int width, int height, const std::string& uploaded_at) {
  return {.media_id = media_id,
          .display_order = order,
          .url = store_.signed_url(display_key, options_.url_ttl),
          .thumbnail_url = store_.signed_url(thumb_key, options_.url_ttl),
          .width = width,
          .height = height,
          .uploaded_at = uploaded_at,
          .expires_at = iso8601(Clock::now() + options_.url_ttl)};
}

Result<Photo> Photos::upload(const UserId& user_id, std::string_view bytes) {
  Problem full("photo-limit", fmt::format("a profile has at most {} photos; delete one first", options_.max_photos));
  const int count =
      PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<int> { return repository::count_media(tx, user_id); }));
  if (count >= options_.max_photos) return std::unexpected(full);  // before the costly decoding
  PM_TRY(cache::enforce(redis_, media::upload_limit_key(user_id.str()), options_.uploads, "image uploads"));

  auto photo = PM_TRY(media::process_photo(bytes, options_.limits));

  const auto media_id = crypto::uuid_v4();
  const auto display_key = fmt::format("users/{}/{}-display.jpg", user_id.str(), media_id);
  const auto thumb_key = fmt::format("users/{}/{}-thumb.jpg", user_id.str(), media_id);
  PM_TRY(store_.put(display_key, photo.display_jpeg, "image/jpeg"));
  if (auto put = store_.put(thumb_key, photo.thumb_jpeg, "image/jpeg"); !put) {
    remove_objects({display_key});
    return std::unexpected(put.error());
  }
  auto row = db::transact(db_, [&](pqxx::work& tx) -> Result<repository::MediaRow> {
    // Concurrent uploads of one user count one after another. An account deleted while this one
    // was decoded: its objects go (below), or they would outlive the account.
    if (!repository::lock_user(tx, user_id))
      return std::unexpected(Problem("not-found", "this account no longer exists"));
    if (repository::count_media(tx, user_id) >= options_.max_photos) return std::unexpected(full);
    return repository::insert_media(tx, {.media_id = media_id,
                                         .user_id = user_id.str(),
                                         .display_key = display_key,
                                         .thumb_key = thumb_key,
                                         .width = photo.width,
                                         .height = photo.height});
  });
  if (!row) {
    remove_objects({display_key, thumb_key});
    return std::unexpected(row.error());
  }
  if (on_changed) on_changed(user_id);
  return with_urls(row->media_id, row->display_order, row->display_key, row->thumb_key, row->width, row->height,
                   row->uploaded_at);
}

Result<std::vector<Photo>> Photos::list(const UserId& user_id) {
  auto rows = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<repository::MediaRow>> {
    return repository::list_media(tx, user_id);
  }));
  std::vector<Photo> out;
  for (const auto& r : rows)
    out.push_back(with_urls(r.media_id, r.display_order, r.display_key, r.thumb_key, r.width, r.height, r.uploaded_at));
  return out;
}

Result<std::vector<Photo>> Photos::reorder(const UserId& user_id, const std::vector<std::string>& media_ids) {
  std::vector<std::string> ids;
  for (const auto& id : media_ids) ids.push_back(crypto::canonical_uuid(id));
  PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
    (void)repository::lock_user(tx, user_id);  // (a deleted account has no photos to reorder)
    std::set<std::string> mine;
    for (const auto& r : repository::list_media(tx, user_id)) mine.insert(r.media_id);
    std::set<std::string> given(ids.begin(), ids.end());
    if (given.size() != ids.size() || given != mine)
      return std::unexpected(Problem("invalid-order", "media_ids must list each of your photos exactly once"));
    repository::reorder_media(tx, user_id, ids);
    return {};
  }));
  if (on_changed) on_changed(user_id);
  return list(user_id);
}

Result<void> Photos::remove(const UserId& user_id, const std::string& media_id) {
  auto keys = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<std::string>> {
    auto removed = remove_row(tx, user_id, media_id);
    if (!removed) return std::unexpected(Problem("not-found", "you have no photo with this id"));
    return *removed;
  }));
  removed(user_id, keys);
  return {};
}

std::optional<std::vector<std::string>> Photos::remove_row(pqxx::work& tx, const UserId& user_id,
                                                           const std::string& media_id) {
  if (!crypto::is_uuid(media_id)) return std::nullopt;
  auto keys = repository::delete_media(tx, user_id, crypto::canonical_uuid(media_id));
  if (keys.empty()) return std::nullopt;
  queue_removal(tx, keys);
  return keys;
}

void Photos::removed(const UserId& user_id, const std::vector<std::string>& keys) {
  remove_objects(keys);
  if (on_changed) on_changed(user_id);
}

void Photos::remove_objects(const std::vector<std::string>& keys) {
  for (const auto& key : keys)
    if (auto r = store_.remove(key); !r) log::warn("media_remove_failed", {{"key", key}, {"error", r.error().detail}});
}

void Photos::queue_removal(pqxx::work& tx, const std::vector<std::string>& keys) {
  if (!keys.empty()) jobs::enqueue(tx, kRemoveObjectsJob, {{"keys", keys}});
}

Result<int> Photos::remove_queued(int limit) {
  auto claimed = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<jobs::Claimed>> {
    return jobs::claim(tx, kRemoveObjectsJob, limit);
  }));
  for (const auto& job : claimed) {
    std::optional<std::string> refused;
    for (const auto& key : job.payload.value("keys", Json::array()))
      if (key.is_string())
        if (auto r = store_.remove(key.get<std::string>()); !r) refused = r.error().type;
    auto recorded = db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
      if (refused)
        jobs::postpone(tx, job, *refused, kRemovalRetry);
      else
        jobs::finish(tx, job, std::nullopt);
      return {};
    });
    if (!recorded) log::warn("media_removal_unrecorded", {{"job_id", job.job_id}, {"error", recorded.error().type}});
  }
  return static_cast<int>(claimed.size());
}

}  // namespace pm::profiles
