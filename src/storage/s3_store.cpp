#include "storage/s3_store.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace pm::storage {

namespace {

// A response larger than this is refused rather than buffered: photos are a few MB at most.
constexpr std::size_t kMaxResponseBytes = 64u << 20;

// S3 error bodies are XML: <Error><Code>NoSuchKey</Code>...; the code is all a log line needs.
std::string error_code(const std::string& body) {
  auto start = body.find("<Code>");
  auto end = body.find("</Code>");
  if (start == std::string::npos || end == std::string::npos || end < start) return {};
  return body.substr(start + 6, std::min<std::size_t>(end - start - 6, 64));
}

}  // namespace

S3Options S3Options::from(const Config& c) {
  S3Options o;
  o.endpoint = c.s3_endpoint;
  o.region = c.s3_region;
  o.bucket = c.s3_bucket;
  o.access_key = c.s3_access_key;
  o.secret_key = c.s3_secret_key;
  o.path_style = c.s3_path_style;
  o.sse = c.s3_sse;
  o.kms_key_id = c.s3_kms_key_id;
  o.connect_timeout = c.s3_connect_timeout;
  o.timeout = c.s3_timeout;
  return o;
}

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {
  std::string_view e = options_.endpoint;
  if (e.starts_with("https://")) {
    scheme_ = "https";
    e.remove_prefix(8);
  } else if (e.starts_with("http://")) {
    scheme_ = "http";
    e.remove_prefix(7);
  }
  if (e.ends_with('/')) e.remove_suffix(1);
  if (scheme_.empty() || e.empty() || e.find_first_of("/?#@") != std::string_view::npos)
    throw std::invalid_argument("PM_S3_ENDPOINT must be http(s)://host[:port]");
  if (options_.bucket.empty() || options_.access_key.empty() || options_.secret_key.empty() || options_.region.empty())
    throw std::invalid_argument("the S3 backend needs a bucket, a region and credentials");
  if (auto why = http_client::refusal(options_.endpoint)) throw std::invalid_argument("PM_S3_ENDPOINT: " + *why);
  authority_ = std::string(e);
  credentials_ = {.access_key = options_.access_key, .secret_key = options_.secret_key, .region = options_.region};
}

std::string S3ObjectStore::host() const {
  // Virtual-host style puts the bucket in the name; over https a bucket with dots then fails the
  // certificate check, which is why such buckets need PM_S3_PATH_STYLE=true.
  return options_.path_style ? authority_ : fmt::format("{}.{}", options_.bucket, authority_);
}

std::string S3ObjectStore::path(const std::string& key) const {
  // (fmt::format rather than "/" + text: GCC 12 warns falsely about the latter under -O3.)
  auto encoded = sigv4::uri_encode(key, true);
  return options_.path_style ? fmt::format("/{}/{}", sigv4::uri_encode(options_.bucket, false), encoded)
                             : fmt::format("/{}", encoded);
}

std::string S3ObjectStore::url_origin() const { return fmt::format("{}://{}", scheme_, host()); }

std::string S3ObjectStore::object_url(const std::string& key) const { return url_origin() + path(key); }

Result<S3ObjectStore::Response> S3ObjectStore::send(const char* method, const std::string& key, std::string_view body,
                                                    const std::string& content_type) {
  PM_TRY(validate_key(key));

  auto now = options_.clock();
  sigv4::Request request{.method = method, .path = path(key)};
  auto payload_hash = body.empty() ? std::string(sigv4::kEmptyPayloadHash) : crypto::sha256_hex(body);
  request.headers = {{"host", host()}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", sigv4::amz_date(now)}};
  if (!content_type.empty()) request.headers.emplace_back("content-type", content_type);
  if (std::string_view(method) == "PUT" && !options_.sse.empty()) {
    // Signed with the rest, so nobody on the way can drop it.
    request.headers.emplace_back("x-amz-server-side-encryption", options_.sse);
    if (options_.sse == "aws:kms" && !options_.kms_key_id.empty())
      request.headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", options_.kms_key_id);
  }
  request.payload_hash = payload_hash;

  http_client::Request call{
      .method = method, .url = fmt::format("{}://{}{}", scheme_, host(), request.path), .body = body};
  for (const auto& [name, value] : request.headers) call.headers.push_back(fmt::format("{}: {}", name, value));
  call.headers.push_back(fmt::format("authorization: {}", sigv4::authorization(request, credentials_, now)));

  auto response = http_client::send(
      call, {.connect_timeout = options_.connect_timeout, .timeout = options_.timeout, .max_body = kMaxResponseBytes});
  if (!response) {
    log::warn("media-s3-unreachable", {{"op", method}, {"key", key}, {"error", response.error().detail}});
    return std::unexpected(storage_unavailable("the media store cannot be reached"));
  }
  return std::move(*response);
}

Problem S3ObjectStore::failure(const char* op, const std::string& key, const Response& response) const {
  nlohmann::json fields = {
      {"op", op}, {"key", key}, {"status", response.status}, {"s3_code", error_code(response.body)}};
  if (response.status == 403) {
    fields["detail"] =
        "S3 refused our request: check PM_S3_ACCESS_KEY, PM_S3_SECRET_KEY, PM_S3_REGION and the "
        "bucket policy (without s3:ListBucket a missing object is a 403 too)";
    log::error("media-s3-forbidden", std::move(fields));
  } else {
    log::warn("media-s3-failed", std::move(fields));
  }
  return storage_unavailable("the media store failed to handle the request");
}

Result<void> S3ObjectStore::put(const std::string& key, std::string_view bytes, const std::string& content_type) {
  auto response = PM_TRY(send("PUT", key, bytes, content_type.empty() ? "application/octet-stream" : content_type));
  if (response.status != 200) return std::unexpected(failure("PUT", key, response));
  return {};
}

Result<std::string> S3ObjectStore::get(const std::string& key) {
  auto response = PM_TRY(send("GET", key, {}, {}));
  // A missing bucket is 404 too, but that is our configuration, not the client's key.
  if (response.status == 404 && error_code(response.body) != "NoSuchBucket") return std::unexpected(media_not_found());
  if (response.status != 200) return std::unexpected(failure("GET", key, response));
  return std::move(response.body);
}

Result<void> S3ObjectStore::remove(const std::string& key) {
  auto response = PM_TRY(send("DELETE", key, {}, {}));
  // S3 answers 204 whether or not the object was there; some servers say 404 for an absent one.
  if (response.status != 204 && response.status != 200 && response.status != 404)
    return std::unexpected(failure("DELETE", key, response));
  return {};
}

Result<bool> S3ObjectStore::exists(const std::string& key) {
  auto response = PM_TRY(send("HEAD", key, {}, {}));
  if (response.status == 200) return true;
  if (response.status == 404) return false;
  return std::unexpected(failure("HEAD", key, response));
}

std::string S3ObjectStore::signed_url(const std::string& key, std::chrono::seconds ttl) {
  sigv4::Request request{.method = "GET", .path = path(key), .headers = {{"host", host()}}};
  return fmt::format("{}?{}", object_url(key),
                     sigv4::presigned_query(std::move(request), credentials_, options_.clock(), ttl));
}

}  // namespace pm::storage
