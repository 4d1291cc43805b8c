#pragma once
// The S3 backend: objects in one bucket over HTTP(S) (core/http_client), every request signed with AWS
// Signature Version 4 (storage/sigv4.hpp). Works with AWS and with S3-protocol servers (MinIO,
// Ceph, s3rver), path-style (endpoint/bucket/key) or virtual-host style (bucket.endpoint/key).
//
// Failures: the network (refused, timed out, DNS) and S3's own errors are 503
// "storage-unavailable" to the client; a 403 from S3 is our credentials or the bucket policy,
// never the client's doing, so it is a 503 too, logged as an error for the operator.

#include <functional>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "core/time.hpp"
#include "storage/object_store.hpp"
#include "storage/sigv4.hpp"

namespace pm::storage {

struct S3Options {
  std::string endpoint;  // http(s)://host[:port]
  std::string region = "us-east-1";
  std::string bucket;
  std::string access_key;
  std::string secret_key;
  bool path_style = false;
  // Server-side encryption asked of S3 on every PUT (x-amz-server-side-encryption): "AES256"
  // (S3-managed keys), "aws:kms" (with kms_key_id, or the bucket's default key), "" (none).
  std::string sse = "AES256";
  std::string kms_key_id;
  Millis connect_timeout{3000};
  Millis timeout{15000};
  std::function<Clock::time_point()> clock = [] { return Clock::now(); };  // tests pin the time

  static S3Options from(const Config& config);
};

class S3ObjectStore final : public ObjectStore {
 public:
  // Throws std::invalid_argument when the endpoint is not http(s)://host[:port].
  explicit S3ObjectStore(S3Options options);
  S3ObjectStore(const S3ObjectStore&) = delete;
  S3ObjectStore& operator=(const S3ObjectStore&) = delete;

  Result<void> put(const std::string& key, std::string_view bytes, const std::string& content_type) override;
  Result<std::string> get(const std::string& key) override;
  Result<void> remove(const std::string& key) override;
  Result<bool> exists(const std::string& key) override;
  // A presigned GET URL (X-Amz-* query parameters); `ttl` is clamped to S3's 1 s .. 7 days.
  std::string signed_url(const std::string& key, std::chrono::seconds ttl) override;
  std::string url_origin() const override;  // the bucket's: path style puts it on the endpoint

  // The object's URL without a query string.
  std::string object_url(const std::string& key) const;

 private:
  using Response = http_client::Response;
  Result<Response> send(const char* method, const std::string& key, std::string_view body,
                        const std::string& content_type);
  Problem failure(const char* op, const std::string& key, const Response& response) const;
  // The Host header and the request path for a key, as signed and as sent.
  std::string host() const;
  std::string path(const std::string& key) const;

  S3Options options_;
  sigv4::Credentials credentials_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // host[:port] of the endpoint
};

}  // namespace pm::storage
