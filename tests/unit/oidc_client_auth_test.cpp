// JWTs this service signs (auth/oidc/client_auth.*): the private_key_jwt assertion and Apple's
// client secret carry the claims their receivers check, and verify with the key's public half
// (checked with the same verification code that checks providers' ID tokens). And the providers
// file's members that configure a client key.

#include <chrono>
#include <cstdlib>

#include <gtest/gtest.h>

#include "auth/oidc/client_auth.hpp"
#include "core/base64url.hpp"
#include "support/oidc_fixture.hpp"

using namespace pm;
using namespace pm::test::oidc;
using namespace pm::auth::oidc;

namespace {

struct DecodedAssertion {
  Json header, payload;
};

// Splits, decodes and checks the signature against `key`'s public JWK, as a provider would.
DecodedAssertion verified(const std::string& token, const TestKey& key) {
  auto jws = split_compact(token);
  EXPECT_TRUE(jws.has_value());
  auto jwk = parse_jwk(key.jwk());
  EXPECT_TRUE(jwk.has_value()) << jwk.error();
  auto signature = base64url_decode(jws->signature);
  EXPECT_TRUE(signature.has_value());
  auto alg = key.alg() == "ES256" ? Algorithm::es256 : Algorithm::rs256;
  auto ok = verify_signature(alg, *jwk, jws->signing_input, *signature);
  EXPECT_TRUE(ok.has_value()) << ok.error();
  return {Json::parse(*base64url_decode(jws->header)), Json::parse(*base64url_decode(jws->payload))};
}

SigningKey signing_key(const TestKey& key, const std::string& kid) {
  auto parsed = parse_signing_key(key.private_pem(), kid);
  EXPECT_TRUE(parsed.has_value()) << parsed.error();
  return *parsed;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

}  // namespace

TEST(OidcClientAuth, ApplesClientSecretIsAnEs256JwtWithApplesClaims) {
  const auto key = TestKey::ec_p256("ABC123DEFG");
  auto secret = apple_client_secret(signing_key(key, "ABC123DEFG"), "TEAM123456", "com.example.web", kNow);
  auto [header, payload] = verified(secret, key);
  EXPECT_EQ(header, (Json{{"alg", "ES256"}, {"kid", "ABC123DEFG"}, {"typ", "JWT"}}));
  EXPECT_EQ(payload["iss"], "TEAM123456");
  EXPECT_EQ(payload["sub"], "com.example.web");
  EXPECT_EQ(payload["aud"], "https://appleid.apple.com");
  EXPECT_EQ(payload["iat"], 1'800'000'000);
  const auto lifetime = payload["exp"].get<long long>() - payload["iat"].get<long long>();
  EXPECT_GT(lifetime, 0);
  EXPECT_LE(lifetime, 180LL * 24 * 3600) << "Apple refuses a secret valid for more than 6 months";
  EXPECT_EQ(payload.size(), 5u) << payload.dump();
}

TEST(OidcClientAuth, APrivateKeyJwtAssertionNamesTheClientAndTheTokenEndpointOnce) {
  for (const auto& key : {TestKey::rsa("rsa-client"), TestKey::ec_p256("ec-client")}) {
    const auto signer = signing_key(key, key.kid());
    auto [header, payload] = verified(client_assertion(signer, "pm-web", "https://op.test/token", kNow), key);
    EXPECT_EQ(header["alg"], key.alg());
    EXPECT_EQ(header["kid"], key.kid());
    EXPECT_EQ(payload["iss"], "pm-web");
    EXPECT_EQ(payload["sub"], "pm-web");
    EXPECT_EQ(payload["aud"], "https://op.test/token");
    EXPECT_EQ(payload["iat"], 1'800'000'000);
    EXPECT_EQ(payload["exp"], 1'800'000'060) << "short-lived";
    auto again = verified(client_assertion(signer, "pm-web", "https://op.test/token", kNow), key);
    EXPECT_NE(payload["jti"], again.payload["jti"]) << "each assertion is unique (the provider refuses a replay)";
    EXPECT_GE(payload["jti"].get<std::string>().size(), 32u);
  }
  const auto key = TestKey::ec_p256("x");
  auto without_kid = verified(client_assertion(signing_key(key, ""), "c", "https://t", kNow), key);
  EXPECT_FALSE(without_kid.header.contains("kid")) << "no client_key_id: the provider picks by algorithm";
}

TEST(OidcClientAuth, OnlyUsablePrivateKeysAreAccepted) {
  EXPECT_FALSE(parse_signing_key("not a key", "").has_value());
  EXPECT_FALSE(parse_signing_key(TestKey::ec_p256("x").public_pem(), "").has_value()) << "a public key cannot sign";
  auto small = parse_signing_key(TestKey::rsa("x", 1024).private_pem(), "");
  ASSERT_FALSE(small.has_value());
  EXPECT_NE(small.error().find("2048"), std::string::npos) << small.error();
  auto ec = parse_signing_key(TestKey::ec_p256("x").private_pem(), "kid-1");
  ASSERT_TRUE(ec.has_value()) << ec.error();
  EXPECT_EQ(ec->alg, Algorithm::es256);
  EXPECT_EQ(ec->kid, "kid-1");
}

TEST(OidcClientAuth, TheProvidersFileNamesWhereTheKeyIsNeverTheKeyItself) {
  const auto ec = TestKey::ec_p256("ABC123DEFG");
  ::setenv("PM_TEST_PROVIDER_KEY", ec.private_pem().c_str(), 1);
  ::setenv("PM_TEST_PROVIDER_RSA_KEY", TestKey::rsa("r").private_pem().c_str(), 1);
  ::setenv("PM_TEST_PROVIDER_SECRET", "s3cret", 1);
  const auto dir = std::filesystem::path(temp_path("client-key"));
  std::filesystem::create_directories(dir);
  write_file((dir / "AuthKey.p8").string(), ec.private_pem());
  auto load = [&](const std::string& members) {
    write_file((dir / "providers.json").string(),
               R"([{"name": "apple", "issuer": "https://appleid.apple.com", "audiences": ["web"], "jwks": "k.json",
                    "client_id": "web", )" +
                   members + "}]");
    return load_providers((dir / "providers.json").string());
  };
  auto error_of = [&](const std::string& members) {
    auto r = load(members);
    EXPECT_FALSE(r.has_value()) << members;
    return r ? std::string() : r.error().detail;
  };

  auto apple = load(R"("client_key_file": "AuthKey.p8", "client_key_id": "ABC123DEFG", "apple_team_id": "TEAM123456",
                       "response_mode": "form_post")");
  ASSERT_TRUE(apple.has_value()) << apple.error().detail;
  EXPECT_EQ((*apple)[0].apple_team_id, "TEAM123456");
  ASSERT_NE((*apple)[0].client_key, nullptr);
  EXPECT_EQ((*apple)[0].client_key->kid, "ABC123DEFG");
  EXPECT_TRUE((*apple)[0].form_post);
  auto keyed = load(R"("client_key_env": "PM_TEST_PROVIDER_KEY")");
  ASSERT_TRUE(keyed.has_value()) << keyed.error().detail;
  ASSERT_NE((*keyed)[0].client_key, nullptr);
  EXPECT_FALSE((*keyed)[0].form_post);

  ::unsetenv("PM_TEST_PROVIDER_UNSET");
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_UNSET")").find("PM_TEST_PROVIDER_UNSET"),
            std::string::npos);
  EXPECT_NE(error_of(R"("client_key_file": "missing.p8")").find("cannot be read"), std::string::npos);
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_SECRET")").find("PEM"), std::string::npos)
      << "a variable without a key";
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_KEY", "client_key_file": "AuthKey.p8")").find("not both"),
            std::string::npos);
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_KEY", "client_secret_env": "PM_TEST_PROVIDER_SECRET")")
                .find("not both"),
            std::string::npos);
  EXPECT_NE(error_of(R"("apple_team_id": "TEAM123456")").find("client_key"), std::string::npos);
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_RSA_KEY", "client_key_id": "k", "apple_team_id": "T")")
                .find("ES256"),
            std::string::npos);
  EXPECT_NE(error_of(R"("client_key_env": "PM_TEST_PROVIDER_KEY", "apple_team_id": "T")").find("client_key_id"),
            std::string::npos);
  EXPECT_NE(error_of(R"("response_mode": "fragment")").find("response_mode"), std::string::npos);
  EXPECT_NE(error_of(R"("client_key": "-----BEGIN PRIVATE KEY-----")").find("unknown member"), std::string::npos)
      << "a key written into the file is refused";
  std::filesystem::remove_all(dir);
}
