#pragma once
// Profile photos (the seed's profile_media): uploaded bytes are checked and re-encoded by
// media::process_photo (no metadata survives), stored as a display image and a thumbnail through
// the ObjectStore, and handed out only as signed URLs that expire.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/rate_limit.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "db/pool.hpp"
#include "media/photo.hpp"
#include "storage/object_store.hpp"

namespace pm::profiles {

struct Photo {
  std::string media_id;
  int display_order = 0;
  std::string url, thumbnail_url;  // signed, valid until expires_at
  int width = 0, height = 0;
  std::string uploaded_at, expires_at;
  Json to_json() const;
};

struct PhotoOptions {
  int max_photos = 6;
  cache::Limit uploads{.max = 30, .window = std::chrono::hours(1)};  // per user, with chat images
  std::chrono::seconds url_ttl{900};
  media::PhotoLimits limits;
};

class Photos {
 public:
  Photos(db::Pool& db, cache::RedisPool& redis, storage::ObjectStore& store, PhotoOptions options)
      : db_(db), redis_(redis), store_(store), options_(options) {}

  // 409 "photo-limit" at max_photos; 429 past the upload budget; the image problems of
  // media::process_photo otherwise.
  Result<Photo> upload(const UserId& user_id, std::string_view bytes);
  Result<std::vector<Photo>> list(const UserId& user_id);
  // `media_ids` must be exactly the user's photos, in the new order.
  Result<std::vector<Photo>> reorder(const UserId& user_id, const std::vector<std::string>& media_ids);
  // Deletes the row and its stored objects; 404 for a photo that is not the user's.
  Result<void> remove(const UserId& user_id, const std::string& media_id);
  // The same in the caller's transaction (a moderator's removal, with the report's resolution and
  // its audit entry): deletes the row and returns its objects' keys, nullopt if the user has no such
  // photo. Once it committed, the caller hands the keys to removed().
  std::optional<std::vector<std::string>> remove_row(pqxx::work& tx, const UserId& user_id,
                                                     const std::string& media_id);
  void removed(const UserId& user_id, const std::vector<std::string>& keys);
  // Removes stored objects by key, logging (not failing on) any the store refuses.
  void remove_objects(const std::vector<std::string>& keys);
  // In the transaction that deletes the rows naming them (a photo, an account): a job that
  // removes the objects again in the worker, until the store has taken every removal. The removal
  // right after the commit is the quick path; should the store be down then, the rows that named
  // the keys are gone, and without the job nothing would ever find the objects again.
  static void queue_removal(pqxx::work& tx, const std::vector<std::string>& keys);
  // The worker's step: up to `limit` queued removals; one the store refuses waits a minute (an
  // outage, not the job's fault: it is not one of its attempts). Returns how many were taken.
  Result<int> remove_queued(int limit);

  std::size_t max_upload_bytes() const { return options_.limits.max_bytes; }

  // Told after the user's photos changed (the first one is in their matches' previews): set by
  // app/ while wiring, as profiles::Deps::on_shown_changed.
  std::function<void(const UserId&)> on_changed;

 private:
  Photo with_urls(const std::string& media_id, int order, const std::string& display_key, const std::string& thumb_key,
                  int width, int height, const std::string& uploaded_at);

  db::Pool& db_;
  cache::RedisPool& redis_;
  storage::ObjectStore& store_;
  PhotoOptions options_;
};

}  // namespace pm::profiles
