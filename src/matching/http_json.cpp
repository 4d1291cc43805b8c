#include "matching/http_json.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>

#include "core/log.hpp"

namespace pm::matching {

namespace {

// Embeddings of the largest models are ~70 KB of JSON; anything far larger is not an answer we want.
constexpr std::size_t kMaxResponseBytes = 16u << 20;
// However many retries are configured, one wait never exceeds this.
constexpr std::chrono::milliseconds kMaxBackoff{2000};

void global_init() {
  // Once per process, before the first request (a function-local static is initialised exactly once).
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)code;  // a failure shows again as curl_easy_init() returning null, which is handled
}

struct Body {
  std::string data;
  bool too_large = false;
};

extern "C" std::size_t on_api_response_data(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  std::size_t n = size * count;
  if (body->data.size() + n > kMaxResponseBytes) {
    body->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One attempt's outcome: an HTTP answer, or a transport failure (curl_error != CURLE_OK).
struct Attempt {
  CURLcode curl_error = CURLE_OK;
  long status = 0;
  Body body;
};

Attempt post_once(const ApiEndpoint& endpoint, const std::string& payload) {
  Attempt out;
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) {
    out.curl_error = CURLE_FAILED_INIT;
    return out;
  }
  std::vector<std::string> lines = {"Content-Type: application/json", "Accept: application/json",
                                    "Expect:"};  // "Expect:": no 100-continue round trip before a large body
  if (!endpoint.api_key.empty()) lines.push_back("Authorization: Bearer " + endpoint.api_key);
  curl_slist* list = nullptr;
  for (const auto& line : lines)
    if (auto* next = curl_slist_append(list, line.c_str())) list = next;  // out of memory: that header is missing
  std::unique_ptr<curl_slist, SlistFree> headers(list);

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, endpoint.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would resend the key elsewhere
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);        // many threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(endpoint.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(endpoint.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "perfectmatch-matching/1");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_api_response_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);

  out.curl_error = curl_easy_perform(c);
  if (out.curl_error == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

bool retryable(long status) { return status == 429 || status >= 500; }

Problem unavailable_problem(const ApiProblems& problems, const Attempt& last, int attempts) {
  std::string what;
  if (last.curl_error == CURLE_OPERATION_TIMEDOUT) what = "did not answer in time";
  else if (last.curl_error != CURLE_OK) what = "cannot be reached";
  else what = fmt::format("answered HTTP {}", last.status);
  return unavailable(problems.unavailable,
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

Problem bad_gateway(const ApiProblems& problems, std::string detail) {
  return {.status = 502, .type = problems.failed, .title = "Bad gateway", .detail = std::move(detail)};
}

Result<Json> post_json(const ApiEndpoint& endpoint, const Json& request, const ApiProblems& problems) {
  global_init();
  // User text may hold invalid UTF-8: replace it rather than throw (the default of dump()).
  const std::string payload = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  const int attempts = 1 + std::max(0, endpoint.retries);
  Attempt last;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::min(endpoint.backoff * (1 << std::min(i - 1, 10)), kMaxBackoff));
    last = post_once(endpoint, payload);
    if (last.body.too_large)
      return std::unexpected(bad_gateway(problems, fmt::format("{} answered more than {} bytes", problems.api_name,
                                                               kMaxResponseBytes)));
    if (last.curl_error != CURLE_OK) {
      // curl_easy_strerror is a fixed text per code: neither the URL nor the key reaches the log.
      log::warn("matching-api-unreachable",
                {{"api", problems.api_name}, {"attempt", i + 1}, {"error", curl_easy_strerror(last.curl_error)}});
      continue;
    }
    if (retryable(last.status)) {
      log::warn("matching-api-status", {{"api", problems.api_name}, {"attempt", i + 1}, {"status", last.status}});
      continue;
    }
    if (last.status < 200 || last.status > 299) {
      // Another 4xx (bad key, unknown model, input too long) will not get better by asking again.
      log::error("matching-api-refused", {{"api", problems.api_name}, {"status", last.status}});
      return std::unexpected(bad_gateway(problems, fmt::format("{} answered HTTP {}", problems.api_name, last.status)));
    }
    auto parsed = Json::parse(last.body.data, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
      return std::unexpected(bad_gateway(problems, fmt::format("{} answered with something that is not JSON",
                                                               problems.api_name)));
    return parsed;
  }
  return std::unexpected(unavailable_problem(problems, last, attempts));
}

}  // namespace pm::matching
