// ID token verification: what is accepted, and every way a token is refused (each a 401 whose
// detail names the reason, never a crash or a 500).

#include <gtest/gtest.h>

#include "support/oidc_fixture.hpp"

using namespace pm;
using namespace pm::test::oidc;
using std::chrono::seconds;

namespace {

class OidcVerifier : public OidcTest {};

TEST_F(OidcVerifier, AcceptsRs256WithClaims) {
  auto v = verifier();
  auto r = v.verify("test", sign_token(rsa(), good_claims()), std::nullopt);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->subject, "user-123");
  EXPECT_EQ(r->email, "ada@example.com");
  EXPECT_TRUE(r->email_verified);
  EXPECT_EQ(r->given_name, "Ada");
  EXPECT_EQ(r->family_name, "Lovelace");
}

TEST_F(OidcVerifier, AcceptsEs256WithClaims) {
  auto v = verifier();
  auto claims = good_claims();
  claims.erase("given_name");
  claims["email_verified"] = "true";  // Apple's spelling
  auto r = v.verify("test", sign_token(ec(), claims), std::nullopt);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->subject, "user-123");
  EXPECT_TRUE(r->email_verified);
  EXPECT_EQ(r->given_name, "");
}

TEST_F(OidcVerifier, OptionalClaimsMayBeAbsent) {
  auto v = verifier();
  Json claims = {
      {"iss", issuer}, {"aud", client_id}, {"sub", "s"}, {"iat", epoch_seconds()}, {"exp", epoch_seconds(seconds(60))}};
  auto r = v.verify("test", sign_token(rsa(), claims), std::nullopt);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->email, "");
  EXPECT_FALSE(r->email_verified);
}

TEST_F(OidcVerifier, UnknownProviderIs404) {
  auto v = verifier();
  auto r = v.verify("nope", sign_token(rsa(), good_claims()), std::nullopt);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 404);
  EXPECT_EQ(r.error().type, "unknown-oauth-provider");
}

TEST_F(OidcVerifier, RefusesWrongSignature) {
  auto v = verifier();
  auto other = TestKey::rsa("rsa-1");  // same kid, different key: a forger's
  EXPECT_TRUE(refused(v.verify("test", sign_token(other, good_claims()), std::nullopt), "signature does not verify"));
  auto other_ec = TestKey::ec_p256("ec-1");
  EXPECT_TRUE(
      refused(v.verify("test", sign_token(other_ec, good_claims()), std::nullopt), "signature does not verify"));
}

TEST_F(OidcVerifier, RefusesTamperedPayload) {
  auto v = verifier();
  for (const TestKey* key : {&rsa(), &ec()}) {
    auto token = sign_token(*key, good_claims());
    auto evil = good_claims();
    evil["sub"] = "admin";
    auto first = token.find('.'), second = token.rfind('.');
    auto tampered = token.substr(0, first + 1) + b64url(evil.dump()) + token.substr(second);
    EXPECT_TRUE(refused(v.verify("test", tampered, std::nullopt), "signature does not verify")) << key->alg();
  }
}

TEST_F(OidcVerifier, RefusesExpired) {
  auto v = verifier();
  auto c = good_claims();
  c["iat"] = epoch_seconds(seconds(-3600));
  c["exp"] = epoch_seconds(seconds(-120));  // beyond the 60 s skew
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "expired"));
}

TEST_F(OidcVerifier, ToleratesClockSkew) {
  auto v = verifier();
  auto c = good_claims();
  c["exp"] = epoch_seconds(seconds(-30));
  c["nbf"] = epoch_seconds(seconds(30));
  c["iat"] = epoch_seconds(seconds(30));
  auto r = v.verify("test", sign_token(rsa(), c), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
}

TEST_F(OidcVerifier, RefusesNotYetValid) {
  auto v = verifier();
  auto c = good_claims();
  c["nbf"] = epoch_seconds(seconds(600));
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "not yet valid (nbf"));
  c = good_claims();
  c["iat"] = epoch_seconds(seconds(600));
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "not yet valid (iat"));
}

TEST_F(OidcVerifier, RefusesMissingTimes) {
  auto v = verifier();
  for (const char* claim : {"exp", "iat"}) {
    auto c = good_claims();
    c.erase(claim);
    EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), claim));
    c[claim] = "tomorrow";
    EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), claim));
  }
}

TEST_F(OidcVerifier, RefusesWrongIssuer) {
  auto v = verifier();
  auto c = good_claims();
  c["iss"] = "https://evil.test";
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "issuer"));
  c.erase("iss");
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "no issuer"));
}

TEST_F(OidcVerifier, RefusesWrongAudience) {
  auto v = verifier();
  auto c = good_claims();
  c["aud"] = "someone-else";
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "wrong audience"));
  c["aud"] = Json::array({"someone-else", "another"});
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "wrong audience"));
  c["aud"] = 42;
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "wrong audience"));
  c.erase("aud");
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "no audience"));
}

TEST_F(OidcVerifier, AcceptsAudienceArrayContainingTheClient) {
  auto v = verifier();
  auto c = good_claims();
  c["aud"] = Json::array({"someone-else", client_id});
  auto r = v.verify("test", sign_token(rsa(), c), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  c["aud"] = "perfect-match-ios";  // any configured audience will do
  r = v.verify("test", sign_token(rsa(), c), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
}

TEST_F(OidcVerifier, ChecksNonceWhenGiven) {
  auto v = verifier();
  auto c = good_claims();
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), "n-0S6_WzA2Mj"), "no nonce"));
  c["nonce"] = "n-0S6_WzA2Mj";
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), "something-else"), "nonce does not match"));
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), "n-0S6_WzA2M"), "nonce does not match"));
  auto r = v.verify("test", sign_token(rsa(), c), "n-0S6_WzA2Mj");
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  r = v.verify("test", sign_token(rsa(), c), std::nullopt);
  EXPECT_TRUE(r.has_value()) << "no nonce expected: the token's is not checked";
}

TEST_F(OidcVerifier, RefusesMissingSubject) {
  auto v = verifier();
  auto c = good_claims();
  c["sub"] = "";
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "no subject"));
  c["sub"] = std::string(256, 'x');
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), c), std::nullopt), "longer than 255"));
}

TEST_F(OidcVerifier, RefusesUnknownKeyId) {
  auto v = verifier();
  auto stranger = TestKey::rsa("who-is-this");
  EXPECT_TRUE(refused(v.verify("test", sign_token(stranger, good_claims()), std::nullopt), "unknown key id"));
  EXPECT_TRUE(
      refused(v.verify("test", sign_token(rsa(), good_claims(), {{"kid", nullptr}}), std::nullopt), "no key id"));
}

TEST_F(OidcVerifier, RefusesAlgNone) {
  auto v = verifier();
  for (const char* none : {"none", "None", "NONE"}) {
    // "header.payload." with an empty signature, and with some bytes where the signature would be.
    EXPECT_TRUE(refused(v.verify("test", compact({{"alg", none}, {"kid", "rsa-1"}}, good_claims(), ""), std::nullopt),
                        "alg \"none\""))
        << none;
    EXPECT_TRUE(refused(v.verify("test", compact({{"alg", none}}, good_claims(), "sig"), std::nullopt), "alg \"none\""))
        << none;
  }
}

TEST_F(OidcVerifier, RefusesHs256WithThePublicKeyAsSecret) {
  // The classic confusion attack: a verifier that lets the header pick the algorithm checks an
  // HMAC keyed with the (public) RSA key, which anyone can compute.
  auto v = verifier();
  Json header = {{"alg", "HS256"}, {"kid", "rsa-1"}, {"typ", "JWT"}};
  EXPECT_TRUE(refused(v.verify("test", sign_hs256(header, good_claims(), rsa().public_pem()), std::nullopt), "HMAC"));
  EXPECT_TRUE(refused(
      v.verify("test", sign_hs256(header, good_claims(), rsa().jwk()["n"].get<std::string>()), std::nullopt), "HMAC"));
  header["alg"] = "HS512";
  EXPECT_TRUE(refused(v.verify("test", sign_hs256(header, good_claims(), rsa().public_pem()), std::nullopt), "HMAC"));
}

TEST_F(OidcVerifier, RefusesOtherAlgorithms) {
  auto v = verifier();
  for (const char* alg : {"PS256", "RS512", "ES384", "EdDSA", "rs256", ""}) {
    auto token = sign_token(rsa(), good_claims(), {{"alg", alg}});
    EXPECT_TRUE(refused(v.verify("test", token, std::nullopt), "only RS256 and ES256")) << alg;
  }
  EXPECT_TRUE(
      refused(v.verify("test", sign_token(rsa(), good_claims(), {{"alg", 256}}), std::nullopt), "no algorithm"));
}

TEST_F(OidcVerifier, RefusesAlgorithmKeyTypeMismatch) {
  auto v = verifier();
  // RS256 header naming the EC key (signed with the RSA key: the signature would be "right").
  auto token = sign_token(rsa(), good_claims(), {{"kid", "ec-1"}});
  EXPECT_TRUE(refused(v.verify("test", token, std::nullopt), "does not match the type of key"));
  // ES256 header naming the RSA key.
  token = sign_token(ec(), good_claims(), {{"kid", "rsa-1"}});
  EXPECT_TRUE(refused(v.verify("test", token, std::nullopt), "does not match the type of key"));
}

TEST_F(OidcVerifier, RefusesHeaderTricks) {
  auto v = verifier();
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), good_claims(), {{"crit", {"exp"}}}), std::nullopt), "crit"));
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), good_claims(), {{"typ", "at+jwt"}}), std::nullopt), "typ"));
  // A key embedded in the header is never trusted: the signature is checked with the JWKS key.
  auto forger = TestKey::rsa("rsa-1");
  auto token = sign_token(forger, good_claims(), {{"jwk", forger.jwk()}, {"jku", "https://evil.test/jwks"}});
  EXPECT_TRUE(refused(v.verify("test", token, std::nullopt), "signature does not verify"));
}

TEST_F(OidcVerifier, RefusesMalformedBase64) {
  auto v = verifier();
  auto token = sign_token(rsa(), good_claims());
  auto first = token.find('.');
  EXPECT_TRUE(refused(v.verify("test", "e30=" + token.substr(first), std::nullopt), "header is not valid base64url"));
  EXPECT_TRUE(refused(v.verify("test", "e3!0" + token.substr(first), std::nullopt), "header is not valid base64url"));
  EXPECT_TRUE(refused(v.verify("test", token + "=", std::nullopt), "signature is not valid base64url"));
  EXPECT_TRUE(refused(v.verify("test", token + "A", std::nullopt), "signature"));
  auto last = token.rfind('.');
  EXPECT_TRUE(
      refused(v.verify("test", token.substr(0, last + 1) + "+/+/", std::nullopt), "signature is not valid base64url"));
  // A correctly signed payload that is not base64url (the issuer's bug, still a 401).
  std::string header = b64url(Json({{"alg", "RS256"}, {"kid", "rsa-1"}}).dump());
  std::string input = header + ".*notbase64*";
  EXPECT_TRUE(refused(v.verify("test", input + "." + b64url(rsa().sign(input)), std::nullopt),
                      "payload is not valid base64url"));
}

TEST_F(OidcVerifier, RefusesMalformedJson) {
  auto v = verifier();
  auto token = sign_token(rsa(), good_claims());
  auto first = token.find('.');
  EXPECT_TRUE(
      refused(v.verify("test", b64url("{\"alg\":") + token.substr(first), std::nullopt), "header is not valid JSON"));
  EXPECT_TRUE(
      refused(v.verify("test", b64url("[1,2]") + token.substr(first), std::nullopt), "header is not a JSON object"));
  std::string header = b64url(Json({{"alg", "ES256"}, {"kid", "ec-1"}}).dump());
  for (auto [payload, reason] : {std::pair{"{\"sub\":", "payload is not valid JSON"},
                                 {"\"just a string\"", "payload is not a JSON object"},
                                 {"{\"exp\": 1e999}", "payload is not valid JSON"}}) {
    std::string input = header + "." + b64url(payload);
    EXPECT_TRUE(refused(v.verify("test", input + "." + b64url(ec().sign(input)), std::nullopt), reason)) << payload;
  }
}

TEST_F(OidcVerifier, RefusesWrongSegmentCounts) {
  auto v = verifier();
  auto token = sign_token(rsa(), good_claims());
  EXPECT_TRUE(refused(v.verify("test", "", std::nullopt), "empty"));
  EXPECT_TRUE(refused(v.verify("test", "abc", std::nullopt), "exactly 3"));
  EXPECT_TRUE(refused(v.verify("test", token.substr(0, token.rfind('.')), std::nullopt), "exactly 3"));
  EXPECT_TRUE(refused(v.verify("test", token + ".x", std::nullopt), "exactly 3"));
  EXPECT_TRUE(refused(v.verify("test", "a.b.c.d.e", std::nullopt), "JWE"));
  EXPECT_TRUE(refused(v.verify("test", "..", std::nullopt), "header is not valid"));
}

TEST_F(OidcVerifier, RefusesBadSignatureSizes) {
  auto v = verifier();
  auto token = sign_token(ec(), good_claims());
  auto body = token.substr(0, token.rfind('.') + 1);
  EXPECT_TRUE(refused(v.verify("test", body + b64url(std::string(63, 'x')), std::nullopt), "64 bytes"));
  EXPECT_TRUE(
      refused(v.verify("test", body + b64url(std::string(64, '\0')), std::nullopt), "signature does not verify"));
  token = sign_token(rsa(), good_claims());
  body = token.substr(0, token.rfind('.') + 1);
  EXPECT_TRUE(refused(v.verify("test", body + b64url(std::string(255, 'x')), std::nullopt), "length"));
  EXPECT_TRUE(
      refused(v.verify("test", body + b64url(std::string(256, '\xff')), std::nullopt), "signature does not verify"));
}

TEST_F(OidcVerifier, RefusesAMegabyteOfGarbage) {
  auto v = verifier();
  std::string garbage;
  garbage.reserve(1 << 20);
  std::uint32_t x = 12345;
  for (int i = 0; i < (1 << 20); ++i) {
    x = x * 1103515245 + 12345;
    garbage.push_back(static_cast<char>(x >> 24));
  }
  EXPECT_TRUE(refused(v.verify("test", garbage, std::nullopt), "larger than"));
  std::string dots(1 << 20, '.');
  EXPECT_TRUE(refused(v.verify("test", dots, std::nullopt), "larger than"));
  // Just under the limit, but garbage: refused for what it is.
  EXPECT_TRUE(refused(v.verify("test", garbage.substr(0, 8000), std::nullopt), "segments"));
  EXPECT_TRUE(refused(v.verify("test", std::string(5000, 'A') + "..", std::nullopt), "header is not valid JSON"));
}

TEST_F(OidcVerifier, ManyThreadsVerifyAtOnce) {
  auto v = verifier();
  auto good_rsa = sign_token(rsa(), good_claims());
  auto good_ec = sign_token(ec(), good_claims());
  std::atomic<int> accepted{0}, refused_count{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = v.verify("test", (i + t) % 2 ? good_rsa : good_ec, std::nullopt);
        r ? ++accepted : ++refused_count;
        if (v.verify("test", good_rsa + "x", std::nullopt)) ++accepted;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 400);
  EXPECT_EQ(refused_count.load(), 0);
  EXPECT_EQ(v.jwks_fetch_count("test"), 1u) << "the key set is loaded once and shared";
}

}  // namespace
