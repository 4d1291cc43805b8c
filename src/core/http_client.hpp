#pragma once
// The one way this program calls out over HTTP: OpenID providers' signing keys, the LLM and
// embedding APIs, and S3. libcurl, with the rules every outbound call needs here:
// - a redirect is never followed (it would carry an API key or a signed request to another host);
// - TLS certificates are verified;
// - plain http:// only to a loopback host (tests, a model server beside us): anything else is
//   refused before a byte is sent;
// - a time limit on connecting and on the whole call, and a cap on the answer's size.
// Each thread keeps one libcurl handle, so consecutive calls from a thread reuse connections.

#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pm::http_client {

struct Request {
  std::string method = "GET";        // GET, HEAD, POST, PUT, DELETE
  std::string url;                   // https://..., or http:// to a loopback host
  std::vector<std::string> headers;  // "Name: value" lines
  std::string_view body;             // sent with POST and PUT (it must outlive the call)
};

struct Limits {
  std::chrono::milliseconds connect_timeout{5000};  // TCP and TLS handshakes
  std::chrono::milliseconds timeout{10000};         // the whole call, connecting included
  std::size_t max_body = 16u << 20;                 // a larger answer fails with Failure::too_large
};

struct Response {
  long status = 0;
  std::string body;
};

struct Failure {
  enum class Kind {
    refused,      // the URL breaks the rules above; nothing was sent
    unreachable,  // no answer: DNS, connection, TLS, or the transfer broke off
    timed_out,    // a time limit ran out
    too_large,    // the answer is larger than Limits::max_body
  };
  Kind kind;
  // For logs and error details: libcurl's fixed text for the error, or why the URL was refused.
  // Never a header, a body, or the URL's query.
  std::string detail;
  // No connection was made (refused by the rules, the name not resolved, the connection refused):
  // not a byte of the request left, so trying again cannot make it happen twice.
  bool nothing_sent = false;
};

std::expected<Response, Failure> send(const Request& request, const Limits& limits);

// True for "http://..." and "https://..." (scheme in any case).
bool is_http_url(std::string_view url);

// `text` percent-encoded: every byte but RFC 3986's unreserved characters, for a URL's path
// segment or query and for an application/x-www-form-urlencoded body alike.
std::string percent_encode(std::string_view text);
// "a=1&b=x%20y": names and values percent-encoded.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// The host of scheme://[user@]host[:port]/..., lower case, without an IPv6 address's brackets.
std::string url_host(std::string_view url);

// True when the host of `url` (any scheme://[user@]host[:port]...) is a loopback address: 127.0.0.0/8,
// ::1, or a localhost name (RFC 6761). Where an unencrypted connection is tolerated (tests, a relay
// or model server beside us), it is only to such a host.
bool names_loopback_host(std::string_view url);

// Why `url` may not be called (see the rules above), or nullopt when it may.
std::optional<std::string> refusal(std::string_view url);

}  // namespace pm::http_client
