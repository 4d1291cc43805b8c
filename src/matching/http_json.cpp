#include "matching/http_json.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/http_client.hpp"
#include "core/log.hpp"

namespace pm::matching {

namespace {

// Embeddings of the largest models are ~70 KB of JSON; anything far larger is not an answer we want.
constexpr std::size_t kMaxResponseBytes = 16u << 20;
// However many retries are configured, one wait never exceeds this.
constexpr std::chrono::milliseconds kMaxBackoff{2000};

// One attempt's outcome: an HTTP answer, or why there was none.
using Attempt = std::expected<http_client::Response, http_client::Failure>;

Attempt post_once(const ApiEndpoint& endpoint, const std::string& payload) {
  http_client::Request request{.method = "POST",
                               .url = endpoint.url,
                               .headers = {"Content-Type: application/json", "Accept: application/json"},
                               .body = payload};
  if (!endpoint.api_key.empty()) request.headers.push_back("Authorization: Bearer " + endpoint.api_key);
  return http_client::send(
      request,
      {.connect_timeout = endpoint.connect_timeout, .timeout = endpoint.timeout, .max_body = kMaxResponseBytes});
}

bool retryable(long status) { return status == 429 || status >= 500; }

Problem unavailable_problem(const ApiProblems& problems, const Attempt& last, int attempts) {
  std::string what;
  if (!last && last.error().kind == http_client::Failure::Kind::timed_out)
    what = "did not answer in time";
  else if (!last)
    what = "cannot be reached";
  else
    what = fmt::format("answered HTTP {}", last->status);
  return Problem(problems.unavailable,
                 fmt::format("{} {} ({} attempt{})", problems.api_name, what, attempts, attempts == 1 ? "" : "s"));
}

}  // namespace

std::string api_url(std::string base, std::string_view path) {
  while (base.ends_with('/')) base.pop_back();
  return base + std::string(path);
}

std::chrono::milliseconds connect_timeout_for(std::chrono::milliseconds total) {
  return std::min(total, std::chrono::milliseconds(5000));
}

Result<Json> post_json(const ApiEndpoint& endpoint, const Json& request, const ApiProblems& problems) {
  // User text may hold invalid UTF-8: replace it rather than throw (the default of dump()).
  const std::string payload = dump_json(request);
  const int attempts = 1 + std::max(0, endpoint.retries);
  Attempt last = std::unexpected(http_client::Failure{http_client::Failure::Kind::unreachable, "not tried"});
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::min(endpoint.backoff * (1 << std::min(i - 1, 10)), kMaxBackoff));
    last = post_once(endpoint, payload);
    if (!last && last.error().kind == http_client::Failure::Kind::too_large)
      return std::unexpected(Problem(
          problems.failed, fmt::format("{} answered more than {} bytes", problems.api_name, kMaxResponseBytes)));
    if (!last && last.error().kind == http_client::Failure::Kind::refused) {
      log::error("matching-api-refused-url", {{"api", problems.api_name}, {"error", last.error().detail}});
      return std::unexpected(Problem(problems.unavailable,
                                     fmt::format("{} cannot be called: {}", problems.api_name, last.error().detail)));
    }
    if (!last) {
      // The detail is libcurl's fixed text per error: neither the URL nor the key reaches the log.
      log::warn("matching-api-unreachable",
                {{"api", problems.api_name}, {"attempt", i + 1}, {"error", last.error().detail}});
      continue;
    }
    if (retryable(last->status)) {
      log::warn("matching-api-status", {{"api", problems.api_name}, {"attempt", i + 1}, {"status", last->status}});
      continue;
    }
    if (last->status < 200 || last->status > 299) {
      // Another 4xx (bad key, unknown model, input too long) will not get better by asking again.
      log::error("matching-api-refused", {{"api", problems.api_name}, {"status", last->status}});
      return std::unexpected(
          Problem(problems.failed, fmt::format("{} answered HTTP {}", problems.api_name, last->status)));
    }
    auto parsed = Json::parse(last->body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
      return std::unexpected(
          Problem(problems.failed, fmt::format("{} answered with something that is not JSON", problems.api_name)));
    return parsed;
  }
  return std::unexpected(unavailable_problem(problems, last, attempts));
}

}  // namespace pm::matching
