#pragma once
// Getting a provider's JWKS document: an http(s) URL (core/http_client), or a local file (tests, and
// deployments that mirror the keys themselves).

#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace pm::auth::oidc {

// True for "http://..." and "https://..." (scheme case-insensitive); anything else is a file path.
bool is_url(std::string_view source);

// The document's bytes, or an error for the logs. A URL must answer 200 within `timeout` (connect
// included) and redirects are not followed; either source larger than `max_bytes` is refused.
std::expected<std::string, std::string> fetch_document(const std::string& source, std::chrono::milliseconds timeout,
                                                       std::size_t max_bytes);

}  // namespace pm::auth::oidc
