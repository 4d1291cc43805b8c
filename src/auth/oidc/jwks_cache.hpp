#pragma once
// One provider's key set, shared by every request thread.
//
// Loaded on first use and kept for `cache_ttl`. A token naming a key id the set lacks triggers one
// refetch (the provider may have rotated its keys), but fetches of any kind are at least
// `min_refetch_interval` apart, so a flood of tokens with made-up key ids costs the provider one
// request per interval, not one per token. A failed refresh keeps the keys we already have.
// One thread fetches at a time; the others keep using the keys already loaded meanwhile.
// Without a configured source, each fetch first reads the issuer's discovery document for its
// `jwks_uri` (an http(s) URL, never a file), so a provider that moves its keys is followed.

#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/oidc/jwk.hpp"
#include "auth/oidc/oidc.hpp"
#include "core/problem.hpp"

namespace pm::auth::oidc {

class JwksCache {
 public:
  // `source`: the key set's URL or file; empty: the `jwks_uri` of `issuer`'s discovery document.
  JwksCache(std::string provider, std::string source, std::string issuer, JwksPolicy policy);

  // The current key set, fetched first if there is none yet, it is older than the TTL, or it has
  // no key `kid` (each subject to the minimum interval). The set may still lack `kid`: the caller
  // decides. An error (503 "oauth-provider-unavailable") only when no key set was ever loaded.
  Result<std::shared_ptr<const KeySet>> keys_for(std::string_view kid);

  // How many fetches were attempted (successful or not): for tests and metrics.
  std::size_t fetch_count() const;

 private:
  using Steady = std::chrono::steady_clock;
  struct State {
    std::shared_ptr<const KeySet> keys;
    Steady::time_point loaded_at{};
    Steady::time_point attempted_at{};
    std::size_t attempts = 0;
    bool in_flight = false;  // a thread is fetching right now
  };
  bool wants_fetch(const State& s, std::string_view kid, Steady::time_point now) const;
  void fetch();                                            // caller holds fetch_mutex_
  std::expected<std::string, std::string> source() const;  // where the key set is now

  const std::string provider_;
  const std::string source_;
  const std::string issuer_;
  const JwksPolicy policy_;
  mutable std::mutex state_mutex_;  // guards state_; never held during a fetch
  State state_;
  std::mutex fetch_mutex_;  // one fetch at a time
};

}  // namespace pm::auth::oidc
