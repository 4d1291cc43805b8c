#pragma once
// The local-directory backend (the default): object <key> is the file <root>/<key>, its
// Content-Type a small file beside it. Writes are atomic (a temporary file, fsync, rename), so a
// reader sees the old object or the new one, never half of one. Signed URLs point at the
// server's own GET /media/{key*} route (storage/routes.hpp).

#include <filesystem>
#include <string>

#include "storage/media_url.hpp"
#include "storage/object_store.hpp"

namespace pm::storage {

struct StoredObject {
  std::string bytes;
  std::string content_type;
};

class LocalObjectStore final : public ObjectStore {
 public:
  // `url_secret` empty: a random one, see MediaUrlSigner. The root folder is created on first write.
  LocalObjectStore(std::filesystem::path root, std::string url_secret);

  Result<void> put(const std::string& key, std::string_view bytes, const std::string& content_type) override;
  Result<std::string> get(const std::string& key) override;
  Result<void> remove(const std::string& key) override;
  Result<bool> exists(const std::string& key) override;
  std::string signed_url(const std::string& key, std::chrono::seconds ttl) override;

  // The object with the Content-Type it was stored with (for serving it).
  Result<StoredObject> read(const std::string& key);
  const MediaUrlSigner& url_signer() const { return signer_; }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  MediaUrlSigner signer_;
};

}  // namespace pm::storage
