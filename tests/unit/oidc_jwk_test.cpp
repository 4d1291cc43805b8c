// Provider keys: which JWKs become OpenSSL keys, and which are skipped and why.

#include <gtest/gtest.h>

#include "auth/oidc/jwk.hpp"
#include "core/base64url.hpp"
#include "support/oidc_tokens.hpp"

using namespace pm::auth::oidc;
using namespace pm::test::oidc;

namespace {

class OidcJwk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa = new TestKey(TestKey::rsa("r"));
    ec = new TestKey(TestKey::ec_p256("e"));
  }
  static void TearDownTestSuite() {
    delete rsa;
    delete ec;
  }
  static inline TestKey* rsa = nullptr;
  static inline TestKey* ec = nullptr;
};

TEST_F(OidcJwk, ParsesRsaAndEcKeys) {
  auto r = parse_jwk(rsa->jwk());
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kid, "r");
  EXPECT_EQ(r->type, KeyType::rsa);
  EXPECT_EQ(EVP_PKEY_get_bits(r->key.get()), 2048);
  auto e = parse_jwk(ec->jwk());
  ASSERT_TRUE(e.has_value()) << e.error();
  EXPECT_EQ(e->type, KeyType::ec_p256);
  EXPECT_EQ(e->alg, "ES256");
  auto no_alg = ec->jwk();
  no_alg.erase("alg");
  no_alg.erase("use");
  EXPECT_TRUE(parse_jwk(no_alg).has_value()) << "alg and use are optional";
}

TEST_F(OidcJwk, RefusesSmallRsaKeys) {
  auto small = TestKey::rsa("small", 1024);
  auto r = parse_jwk(small.jwk());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("1024 bits"), std::string::npos) << r.error();
}

TEST_F(OidcJwk, RefusesKeysNotForSignatures) {
  auto j = rsa->jwk();
  j["use"] = "enc";
  EXPECT_NE(parse_jwk(j).error().find("\"use\""), std::string::npos);
  j = rsa->jwk();
  j["key_ops"] = {"encrypt"};
  EXPECT_NE(parse_jwk(j).error().find("key_ops"), std::string::npos);
  j["key_ops"] = {"verify"};
  EXPECT_TRUE(parse_jwk(j).has_value());
}

TEST_F(OidcJwk, RefusesUnsupportedTypesCurvesAndAlgs) {
  EXPECT_NE(parse_jwk({{"kty", "oct"}, {"kid", "h"}, {"k", "c2VjcmV0"}}).error().find("\"oct\""), std::string::npos);
  auto j = ec->jwk();
  j["crv"] = "P-384";
  EXPECT_NE(parse_jwk(j).error().find("P-256"), std::string::npos);
  j = rsa->jwk();
  j["alg"] = "PS256";
  EXPECT_NE(parse_jwk(j).error().find("PS256"), std::string::npos);
  j = ec->jwk();
  j["alg"] = "RS256";  // an EC key claiming an RSA algorithm
  EXPECT_FALSE(parse_jwk(j).has_value());
}

TEST_F(OidcJwk, RefusesBrokenKeyMaterial) {
  auto j = rsa->jwk();
  j.erase("kid");
  EXPECT_NE(parse_jwk(j).error().find("kid"), std::string::npos);
  j = rsa->jwk();
  j["n"] = j["n"].get<std::string>() + "=";
  EXPECT_NE(parse_jwk(j).error().find("base64url"), std::string::npos);
  j = rsa->jwk();
  j["e"] = 65537;
  EXPECT_NE(parse_jwk(j).error().find("\"e\""), std::string::npos);
  // An even modulus is not an RSA modulus.
  j = rsa->jwk();
  std::string n = *pm::base64url_decode(j["n"].get<std::string>());
  n.back() = static_cast<char>(n.back() & ~1);
  j["n"] = b64url(n);
  EXPECT_FALSE(parse_jwk(j).has_value());
  // A point that is not on the curve (an invalid-curve attack's first step).
  j = ec->jwk();
  std::string y(32, '\x01');
  j["y"] = b64url(y);
  EXPECT_FALSE(parse_jwk(j).has_value());
  j = ec->jwk();
  j["x"] = b64url(std::string(31, '\x01'));
  EXPECT_NE(parse_jwk(j).error().find("32 bytes"), std::string::npos);
  EXPECT_FALSE(parse_jwk(Json::array()).has_value());
}

TEST_F(OidcJwk, KeySetSkipsBadKeysAndKeepsGoodOnes) {
  auto bad = rsa->jwk();
  bad["use"] = "enc";
  bad["kid"] = "enc-key";
  Json doc = {{"keys", {rsa->jwk(), bad, ec->jwk(), "not a key"}}};
  auto set = parse_jwks(doc.dump());
  ASSERT_TRUE(set.has_value()) << set.error();
  EXPECT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->skipped.size(), 2u);
  EXPECT_EQ(set->find("r").size(), 1u);
  EXPECT_TRUE(set->find("enc-key").empty());
  EXPECT_FALSE(parse_jwks("{").has_value());
  EXPECT_FALSE(parse_jwks("{}").has_value());
  EXPECT_FALSE(parse_jwks(R"({"keys": {}})").has_value());
  EXPECT_FALSE(parse_jwks("[]").has_value());
}

}  // namespace
