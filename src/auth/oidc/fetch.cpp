#include "auth/oidc/fetch.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <mutex>

#include <curl/curl.h>
#include <fmt/format.h>

namespace pm::auth::oidc {

namespace {

using Unexpected = std::unexpected<std::string>;

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::expected<std::string, std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(fmt::format("cannot open {}", path));
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes) return Unexpected(fmt::format("{} is larger than {} bytes", path, max_bytes));
  }
  if (in.bad()) return Unexpected(fmt::format("cannot read {}", path));
  return out;
}

struct Body {
  std::string data;
  std::size_t max_bytes;
  bool too_large = false;
};

extern "C" std::size_t on_data(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  std::size_t n = size * count;
  if (body->data.size() + n > body->max_bytes) {
    body->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

std::expected<std::string, std::string> get_url(const std::string& url, std::chrono::milliseconds timeout,
                                                std::size_t max_bytes) {
  // curl_global_init is not safe to race with other threads' libcurl use: once, before the first request.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return Unexpected("libcurl could not start a request");
  Body body{.data = {}, .max_bytes = max_bytes};
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // many threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "perfectmatch-oidc/1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  CURLcode rc = curl_easy_perform(c);
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return Unexpected(fmt::format("{} answered with more than {} bytes", url, max_bytes));
  if (rc != CURLE_OK)
    return Unexpected(fmt::format("GET {} failed: {}", url, error[0] ? error : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return Unexpected(fmt::format("GET {} answered HTTP {}", url, status));
  return std::move(body.data);
}

}  // namespace

bool is_url(std::string_view source) {
  return starts_with_nocase(source, "http://") || starts_with_nocase(source, "https://");
}

std::expected<std::string, std::string> fetch_document(const std::string& source, std::chrono::milliseconds timeout,
                                                       std::size_t max_bytes) {
  return is_url(source) ? get_url(source, timeout, max_bytes) : read_file(source, max_bytes);
}

}  // namespace pm::auth::oidc
