#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "auth/oidc/client_auth.hpp"
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
  if (entry.contains("response_mode")) {
    auto mode = PM_TRY(nonempty_string(entry, "response_mode"));
    if (mode != "query" && mode != "form_post") return std::unexpected("\"response_mode\" must be query or form_post");
    p.form_post = mode == "form_post";
  }
  return {};
}

// The client's private key (client_auth.hpp), like the secret never in the file itself: in the
// environment variable it names (client_key_env) or in a file of its own (client_key_file, relative
// to the providers file's folder; e.g. Apple's AuthKey_<kid>.p8).
std::expected<void, std::string> parse_client_key(const Json& entry, const std::filesystem::path& base,
                                                  ProviderConfig& p) {
  const bool in_env = entry.contains("client_key_env"), in_file = entry.contains("client_key_file");
  if (!in_env && !in_file) {
    for (const char* needs_key : {"client_key_id", "apple_team_id"})
      if (entry.contains(needs_key))
        return std::unexpected(fmt::format("\"{}\" needs \"client_key_env\" or \"client_key_file\"", needs_key));
    return {};
  }
  if (in_env && in_file) return std::unexpected("give \"client_key_env\" or \"client_key_file\", not both");
  if (p.client_id.empty()) return std::unexpected("a client key needs a \"client_id\"");
  if (!p.client_secret.empty()) return std::unexpected("give \"client_secret_env\" or a client key, not both");
  std::string pem;
  if (in_env) {
    auto var = PM_TRY(nonempty_string(entry, "client_key_env"));
    const char* value = std::getenv(var.c_str());
    if (!value || !*value)
      return std::unexpected(fmt::format("the environment variable {} (client_key_env) is not set", var));
    pem = value;
  } else {
    auto file = std::filesystem::path(PM_TRY(nonempty_string(entry, "client_key_file")));
    if (file.is_relative()) file = (base / file).lexically_normal();
    std::ifstream in(file);
    if (!in) return std::unexpected(fmt::format("the client key file {} cannot be read", file.string()));
    std::stringstream text;
    text << in.rdbuf();
    pem = text.str();
  }
  std::string kid;
  if (entry.contains("client_key_id")) kid = PM_TRY(nonempty_string(entry, "client_key_id"));
  auto key = parse_signing_key(pem, kid);
  if (!key) return std::unexpected("the client key: " + key.error());
  if (entry.contains("apple_team_id")) {
    if (key->alg != Algorithm::es256) return std::unexpected("Apple's client secret needs an EC P-256 key (ES256)");
    if (kid.empty()) return std::unexpected("\"apple_team_id\" needs \"client_key_id\" (the key's id at Apple)");
    p.apple_team_id = PM_TRY(nonempty_string(entry, "apple_team_id"));
  }
  p.client_key = std::make_shared<const SigningKey>(std::move(*key));
  return {};
}

std::expected<ProviderConfig, std::string> parse_provider(const Json& entry, const std::filesystem::path& base) {
  if (!entry.is_object()) return std::unexpected("is not a JSON object");
  // Unknown members are refused so a typo ("audience") fails at start-up, not at sign-in.
  for (const auto& [key, value] : entry.items())
    if (!std::set<std::string>{"name", "issuer", "audiences", "jwks", "display_name", "client_id", "client_secret_env",
                               "client_key_env", "client_key_file", "client_key_id", "apple_team_id", "scopes",
                               "response_mode"}
             .contains(key))
      return std::unexpected(fmt::format("unknown member \"{}\"", key));
  ProviderConfig p;
  for (auto [field, name] : {std::pair{&p.name, "name"}, {&p.issuer, "issuer"}})
    *field = PM_TRY(nonempty_string(entry, name));
  // Without "jwks" the keys are found through the issuer's discovery document, which needs a URL.
  if (entry.contains("jwks"))
    p.jwks = PM_TRY(nonempty_string(entry, "jwks"));
  else if (!is_url(p.issuer))
    return std::unexpected(
        "\"issuer\" must be an http(s) URL for the keys to be found by discovery (or give \"jwks\")");
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
  PM_TRY(parse_client_key(entry, base, p));
  if (!p.jwks.empty() && !is_url(p.jwks) && std::filesystem::path(p.jwks).is_relative())
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
