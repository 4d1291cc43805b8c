#pragma once
// AWS Signature Version 4 for S3: the Authorization header of a request, and query-string
// ("presigned") URLs. Pure functions of their inputs and the time, so they are tested against
// the values AWS publishes (tests/unit/sigv4_test.cpp).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace pm::storage::sigv4 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string service = "s3";
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;        // "GET", "PUT", ...
  std::string path;          // the URI path as sent, already percent-encoded: "/bucket/users/a.jpg"
  Pairs query;               // decoded names and values
  Pairs headers;             // every header to sign, host included (names in any case)
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// Percent-encodes all but A-Z a-z 0-9 - _ . ~ (and '/' when `keep_slash`), upper-case hex.
std::string uri_encode(std::string_view text, bool keep_slash);
// "20130524T000000Z"
std::string amz_date(Clock::time_point t);
// SHA-256 of an empty body, the payload hash of GET, HEAD and DELETE.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The steps, exposed for tests and for logging a mismatch.
std::string canonical_request(const Request& request);
std::string string_to_sign(const Request& request, const Credentials& credentials, Clock::time_point t);
std::string signature(const Request& request, const Credentials& credentials, Clock::time_point t);

// The Authorization header value. The request must carry x-amz-date = amz_date(t) among its
// headers, and for S3 x-amz-content-sha256 = payload_hash.
std::string authorization(const Request& request, const Credentials& credentials, Clock::time_point t);

// The query string of a presigned request (request.query plus the X-Amz-* parameters, encoded,
// signature last), valid from `t` for `expires` (1 s to 7 days). Only `host` should be among the
// headers: whoever uses the URL sends no others we could sign.
std::string presigned_query(Request request, const Credentials& credentials, Clock::time_point t,
                            std::chrono::seconds expires);

}  // namespace pm::storage::sigv4
