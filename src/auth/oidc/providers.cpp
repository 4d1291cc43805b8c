#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "auth/oidc/fetch.hpp"
#include "auth/oidc/oidc.hpp"
#include "core/json.hpp"

namespace pm::auth::oidc {

namespace {

// The name is a URL path segment ({provider}): keep it to what needs no escaping.
bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Problem config_error(const std::string& path, const std::string& what) {
  return Problem("config", fmt::format("PM_OAUTH_PROVIDERS {}: {}", path, what));
}

std::expected<std::string, std::string> nonempty_string(const Json& entry, const char* name) {
  auto it = entry.find(name);
  if (it == entry.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return std::unexpected(fmt::format("\"{}\" must be a non-empty string", name));
  return it->get<std::string>();
}

// The members of the browser's sign-in (code_flow.hpp), all optional. The secret itself never sits in
// the file (files get committed and copied around): the file names the variable that holds it.
std::expected<void, std::string> parse_browser_client(const Json& entry, ProviderConfig& p) {
  if (entry.contains("client_id")) p.client_id = PM_TRY(nonempty_string(entry, "client_id"));
  p.display_name = p.name;
  if (entry.contains("display_name")) p.display_name = PM_TRY(nonempty_string(entry, "display_name"));
  if (entry.contains("scopes")) {
    p.scopes = PM_TRY(nonempty_string(entry, "scopes"));
    if (!(" " + p.scopes + " ").contains(" openid ")) return std::unexpected("\"scopes\" must include openid");
  }
  if (entry.contains("client_secret_env")) {
    if (p.client_id.empty()) return std::unexpected("\"client_secret_env\" needs a \"client_id\"");
    auto var = PM_TRY(nonempty_string(entry, "client_secret_env"));
    const char* secret = std::getenv(var.c_str());
    if (!secret || !*secret)
      return std::unexpected(fmt::format("the environment variable {} (client_secret_env) is not set", var));
    p.client_secret = secret;
  }
  return {};
}

std::expected<ProviderConfig, std::string> parse_provider(const Json& entry, const std::filesystem::path& base) {
  if (!entry.is_object()) return std::unexpected("is not a JSON object");
  // Unknown members are refused so a typo ("audience") fails at start-up, not at sign-in.
  for (const auto& [key, value] : entry.items())
    if (!std::set<std::string>{"name", "issuer", "audiences", "jwks", "display_name", "client_id", "client_secret_env",
                               "scopes"}
             .contains(key))
      return std::unexpected(fmt::format("unknown member \"{}\"", key));
  ProviderConfig p;
  for (auto [field, name] : {std::pair{&p.name, "name"}, {&p.issuer, "issuer"}, {&p.jwks, "jwks"}})
    *field = PM_TRY(nonempty_string(entry, name));
  if (!valid_name(p.name)) return std::unexpected("\"name\" must be 1-64 characters of a-z, 0-9, '-' and '_'");
  auto aud = entry.find("audiences");
  if (aud == entry.end() || !aud->is_array() || aud->empty())
    return std::unexpected("\"audiences\" must be a non-empty array of client ids");
  for (const auto& a : *aud) {
    if (!a.is_string() || a.get_ref<const std::string&>().empty())
      return std::unexpected("\"audiences\" must hold only non-empty strings");
    p.audiences.push_back(a.get<std::string>());
  }
  PM_TRY(parse_browser_client(entry, p));
  if (!is_url(p.jwks) && std::filesystem::path(p.jwks).is_relative())
    p.jwks = (base / p.jwks).lexically_normal().string();
  return p;
}

}  // namespace

Result<std::vector<ProviderConfig>> load_providers(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(config_error(path, "cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  auto json = parse_json(text.str());
  if (!json) return std::unexpected(config_error(path, json.error().detail));
  if (!json->is_array()) return std::unexpected(config_error(path, "must be a JSON array of providers"));

  const auto base = std::filesystem::path(path).parent_path();
  std::vector<ProviderConfig> providers;
  std::set<std::string> names;
  for (std::size_t i = 0; i < json->size(); ++i) {
    auto p = parse_provider((*json)[i], base);
    if (!p) return std::unexpected(config_error(path, fmt::format("provider #{}: {}", i + 1, p.error())));
    if (!names.insert(p->name).second)
      return std::unexpected(config_error(path, fmt::format("provider \"{}\" is listed twice", p->name)));
    providers.push_back(std::move(*p));
  }
  return providers;
}

}  // namespace pm::auth::oidc
