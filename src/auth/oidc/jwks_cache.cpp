#include "auth/oidc/jwks_cache.hpp"

#include <fmt/format.h>

#include "auth/oidc/discovery.hpp"
#include "auth/oidc/fetch.hpp"
#include "core/log.hpp"
#include "core/scope_exit.hpp"

namespace pm::auth::oidc {

namespace {

bool has_kid(const std::shared_ptr<const KeySet>& keys, std::string_view kid) {
  return keys && !keys->find(kid).empty();
}

Result<std::shared_ptr<const KeySet>> answer(std::shared_ptr<const KeySet> keys) {
  if (keys) return keys;
  return std::unexpected(
      Problem("oauth-provider-unavailable", "the provider's signing keys could not be loaded; try again later"));
}

}  // namespace

JwksCache::JwksCache(std::string provider, std::string source, std::string issuer, JwksPolicy policy)
    : provider_(std::move(provider)), source_(std::move(source)), issuer_(std::move(issuer)), policy_(policy) {}

bool JwksCache::wants_fetch(const State& s, std::string_view kid, Steady::time_point now) const {
  bool rate_ok = s.attempts == 0 || now - s.attempted_at >= policy_.min_refetch_interval;
  if (!rate_ok) return false;
  if (!s.keys || now - s.loaded_at >= policy_.cache_ttl) return true;
  return !has_kid(s.keys, kid);
}

Result<std::shared_ptr<const KeySet>> JwksCache::keys_for(std::string_view kid) {
  {
    std::lock_guard lock(state_mutex_);
    // Answer now unless a fetch is due, or one is under way that may bring the key we lack
    // (the very first load, or a rotation): then go through the fetch lock and wait for it.
    bool waiting_helps = state_.in_flight && !has_kid(state_.keys, kid);
    if (!wants_fetch(state_, kid, Steady::now()) && !waiting_helps) return answer(state_.keys);
  }

  // If another thread is fetching and the keys we hold include `kid` (the set is only stale),
  // use them rather than queue behind a slow provider.
  std::unique_lock fetching(fetch_mutex_, std::try_to_lock);
  if (!fetching.owns_lock()) {
    {
      std::lock_guard lock(state_mutex_);
      if (has_kid(state_.keys, kid)) return state_.keys;
    }
    fetching.lock();
  }
  {
    // Re-check: the thread we waited for may have just fetched.
    std::lock_guard lock(state_mutex_);
    auto now = Steady::now();
    if (!wants_fetch(state_, kid, now)) return answer(state_.keys);
    state_.attempted_at = now;
    ++state_.attempts;
    state_.in_flight = true;
  }
  const ScopeExit landed([this] {  // clears in_flight however fetch() ends
    std::lock_guard lock(state_mutex_);
    state_.in_flight = false;
  });
  fetch();
  std::lock_guard lock(state_mutex_);
  return answer(state_.keys);
}

std::expected<std::string, std::string> JwksCache::source() const {
  if (!source_.empty()) return source_;
  auto discovery = fetch_discovery(issuer_, policy_.fetch_timeout);
  if (!discovery) return std::unexpected(discovery.error());
  auto uri = string_member(*discovery, "jwks_uri");
  if (!is_url(uri)) return std::unexpected("the discovery document has no http(s) jwks_uri");
  return uri;
}

void JwksCache::fetch() {
  auto from = source();
  auto document = from ? fetch_document(*from, policy_.fetch_timeout, policy_.max_document_bytes)
                       : std::expected<std::string, std::string>(std::unexpected(from.error()));
  std::expected<KeySet, std::string> parsed =
      document ? parse_jwks(*document) : std::expected<KeySet, std::string>(std::unexpected(document.error()));
  if (!parsed) {
    log::warn("oidc_jwks_fetch_failed", {{"provider", provider_}, {"error", parsed.error()}});
    return;  // keep whatever keys we had
  }
  for (const auto& why : parsed->skipped) log::warn("oidc_jwk_skipped", {{"provider", provider_}, {"reason", why}});
  log::info("oidc_jwks_loaded", {{"provider", provider_}, {"keys", parsed->keys.size()}});
  auto keys = std::make_shared<const KeySet>(std::move(*parsed));
  std::lock_guard lock(state_mutex_);
  state_.keys = std::move(keys);
  state_.loaded_at = Steady::now();
}

std::size_t JwksCache::fetch_count() const {
  std::lock_guard lock(state_mutex_);
  return state_.attempts;
}

}  // namespace pm::auth::oidc
