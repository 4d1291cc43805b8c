#include "core/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <curl/curl.h>

#include "core/text.hpp"

namespace pm::http_client {

namespace {

// The host of an http(s) URL: after "://" and any "user@", before the port, path, query or fragment.
// 127.0.0.0/8, ::1, and localhost names (RFC 6761; libcurl resolves them to loopback itself).
bool is_loopback(const std::string& host) {
  if (host == "localhost" || host.ends_with(".localhost") || host == "::1") return true;
  if (!host.starts_with("127.")) return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return c == '.' || std::isdigit(static_cast<unsigned char>(c)); });
}

struct Body {
  std::string data;
  std::size_t max;
  bool too_large = false;
};

extern "C" std::size_t on_data(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  std::size_t n = size * count;
  if (body->data.size() + n > body->max) {
    body->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

struct HandleFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// This thread's handle, reset for a new call: libcurl keeps its open connections across resets.
CURL* thread_handle() {
  // curl_global_init must not race other threads' libcurl use: once, before the first handle.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) return nullptr;
  thread_local std::unique_ptr<CURL, HandleFree> handle(curl_easy_init());
  if (handle) curl_easy_reset(handle.get());
  return handle.get();
}

}  // namespace

std::string url_host(std::string_view url) {
  if (url.find("://") == std::string_view::npos) return {};
  auto rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with('[')) return std::string(rest.substr(1, rest.find(']') - 1));  // [::1]:8080
  return ascii_lower(rest.substr(0, rest.find(':')));
}

bool names_loopback_host(std::string_view url) {
  auto host = url_host(url);
  return !host.empty() && is_loopback(host);
}

bool is_http_url(std::string_view url) {
  return ascii_istarts_with(url, "http://") || ascii_istarts_with(url, "https://");
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(name) + '=' + percent_encode(value);
  }
  return out;
}

std::optional<std::string> refusal(std::string_view url) {
  if (ascii_istarts_with(url, "https://")) return std::nullopt;
  if (!ascii_istarts_with(url, "http://")) return "only http(s) URLs can be called";
  if (names_loopback_host(url)) return std::nullopt;
  return "plain http:// is allowed only to a loopback address; use https://";
}

std::expected<Response, Failure> send(const Request& request, const Limits& limits) {
  if (auto why = refusal(request.url)) return std::unexpected(Failure{Failure::Kind::refused, *why, true});
  CURL* c = thread_handle();
  if (!c) return std::unexpected(Failure{Failure::Kind::unreachable, "libcurl could not start a request"});

  curl_slist* list = nullptr;
  for (const auto& line : request.headers)
    if (auto* next = curl_slist_append(list, line.c_str())) list = next;  // out of memory: that header is missing
  // No 100-continue round trip before a request body.
  if (auto* next = curl_slist_append(list, "Expect:")) list = next;
  std::unique_ptr<curl_slist, ListFree> headers(list);

  Body body{.data = {}, .max = limits.max_body};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // many threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(limits.connect_timeout, limits.timeout).count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_body));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "perfectmatch/1");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" || request.method == "PUT") {
    if (request.method == "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);  // `headers` dies before the handle is used again
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return std::unexpected(Failure{Failure::Kind::too_large, "the answer is larger than the limit"});
  if (rc == CURLE_OPERATION_TIMEDOUT) return std::unexpected(Failure{Failure::Kind::timed_out, curl_easy_strerror(rc)});
  if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_COULDNT_CONNECT)
    return std::unexpected(Failure{Failure::Kind::unreachable, curl_easy_strerror(rc), true});
  if (rc != CURLE_OK) return std::unexpected(Failure{Failure::Kind::unreachable, curl_easy_strerror(rc)});
  Response out;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  out.body = std::move(body.data);
  return out;
}

}  // namespace pm::http_client
