#include "auth/oidc/discovery.hpp"

#include <algorithm>

#include "auth/oidc/fetch.hpp"

namespace pm::auth::oidc {

namespace {
constexpr std::size_t kMaxDiscoveryBytes = 1 << 20;
}

std::expected<Json, std::string> fetch_discovery(std::string_view issuer, std::chrono::milliseconds timeout) {
  std::string base(issuer);
  while (!base.empty() && base.back() == '/') base.pop_back();
  // Only a URL: a file path here would be read from this machine's disk.
  if (!is_url(base)) return std::unexpected("the issuer is not an http(s) URL");
  auto text = fetch_document(base + "/.well-known/openid-configuration", timeout, kMaxDiscoveryBytes);
  if (!text) return std::unexpected(text.error());
  auto doc = parse_json(*text);
  if (!doc || !doc->is_object()) return std::unexpected("the discovery document is not a JSON object");
  if (string_member(*doc, "issuer") != issuer) return std::unexpected("the discovery document names another issuer");
  return std::move(*doc);
}

bool lists(const Json& doc, const char* name, std::string_view value) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_array() && std::ranges::any_of(*it, [&](const Json& v) {
           return v.is_string() && v.get_ref<const std::string&>() == value;
         });
}

}  // namespace pm::auth::oidc
