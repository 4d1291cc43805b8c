#pragma once
// Shared set-up for OpenID Connect tests: one RSA and one EC key made at run time, their JWKS in a
// temp file, and a Verifier for a provider "test" that trusts it.

#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "auth/oidc/oidc.hpp"
#include "core/crypto.hpp"
#include "support/oidc_tokens.hpp"

namespace pm::test::oidc {

inline const std::string issuer = "https://issuer.test";
inline const std::string client_id = "perfect-match-web";

// A fresh temp path; test processes run in parallel, so the name is random.
inline std::string temp_path(const std::string& stem) {
  return (std::filesystem::path(::testing::TempDir()) / (stem + "-" + crypto::random_hex(6))).string();
}

class OidcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::rsa("rsa-1"));
    ec_ = new TestKey(TestKey::ec_p256("ec-1"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }
  void SetUp() override {
    jwks_path_ = temp_path("jwks") + ".json";
    write_file(jwks_path_, jwks({rsa_, ec_}).dump());
  }
  void TearDown() override { std::filesystem::remove(jwks_path_); }

  auth::oidc::ProviderConfig provider() const {
    return {.name = "test", .issuer = issuer, .audiences = {client_id, "perfect-match-ios"}, .jwks = jwks_path_};
  }
  auth::oidc::Verifier verifier(auth::oidc::JwksPolicy policy = {}) const {
    return auth::oidc::Verifier({provider()}, std::chrono::seconds(60), policy);
  }
  static Json good_claims() { return claims(issuer, client_id); }

  static const TestKey& rsa() { return *rsa_; }
  static const TestKey& ec() { return *ec_; }

  std::string jwks_path_;

 private:
  static inline TestKey* rsa_ = nullptr;
  static inline TestKey* ec_ = nullptr;
};

// Expects a 401 "invalid-id-token" whose detail contains `reason`.
inline ::testing::AssertionResult refused(const Result<auth::oidc::IdentityClaims>& r, const std::string& reason) {
  if (r.has_value()) return ::testing::AssertionFailure() << "the token was accepted";
  const Problem& p = r.error();
  if (p.status != 401 || p.type != "invalid-id-token")
    return ::testing::AssertionFailure() << "got " << p.status << " " << p.type << ": " << p.detail;
  if (p.detail.find(reason) == std::string::npos)
    return ::testing::AssertionFailure() << "detail \"" << p.detail << "\" does not mention \"" << reason << "\"";
  return ::testing::AssertionSuccess();
}

}  // namespace pm::test::oidc
