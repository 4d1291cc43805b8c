#include "storage/routes.hpp"

#include <fmt/format.h>

namespace pm::storage {

namespace {

// The raw value of one query parameter (signed URLs only carry [0-9a-f] in theirs, so no
// decoding is needed: anything encoded simply fails the check).
std::string_view query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

http::Response serve(LocalObjectStore& store, http::Request& req) {
  const auto& key = req.params.at("key");
  auto remaining =
      store.url_signer().verify(key, query_param(req.target(), "expires"), query_param(req.target(), "sig"));
  if (!remaining) return http::problem_response(remaining.error(), req.request_id);

  auto object = store.read(key);
  if (!object) return http::problem_response(object.error(), req.request_id);

  auto res = http::text_response(http::Status::ok, std::move(object->bytes), object->content_type);
  // Only the URL's holder may keep it, and no longer than the URL is valid.
  res.set(http::beast_http::field::cache_control, fmt::format("private, max-age={}", remaining->count()));
  // The stored type is the one we serve: browsers must not guess another (an "image" that sniffs as HTML).
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", "default-src 'none'; sandbox");
  return res;
}

}  // namespace

void add_routes(http::Router& router, LocalObjectStore& store) {
  router.add(http::Method::get, "/media/{key*}", [&store](http::Request& req) { return serve(store, req); });
}

}  // namespace pm::storage
