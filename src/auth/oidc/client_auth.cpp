#include "auth/oidc/client_auth.hpp"

#include "core/crypto.hpp"

namespace pm::auth::oidc {

namespace {

long long epoch_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string client_assertion(const SigningKey& key, std::string_view client_id, std::string_view token_endpoint,
                             SystemTime now) {
  const auto iat = epoch_seconds(now);
  return sign_jwt(key, {{"iss", client_id},
                        {"sub", client_id},
                        {"aud", token_endpoint},
                        {"jti", crypto::random_hex(16)},
                        {"iat", iat},
                        {"exp", iat + 60}});
}

std::string apple_client_secret(const SigningKey& key, std::string_view team_id, std::string_view client_id,
                                SystemTime now) {
  const auto iat = epoch_seconds(now);
  return sign_jwt(key,
                  {{"iss", team_id}, {"sub", client_id}, {"aud", kAppleAudience}, {"iat", iat}, {"exp", iat + 300}});
}

}  // namespace pm::auth::oidc
