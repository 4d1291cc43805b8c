// Web Push's pure parts: the RFC 8291 encryption against the RFC's own test vector (Appendix A),
// the VAPID authorisation (RFC 8292) checked with the same signature code that checks providers'
// ID tokens, a browser's subscription as the API reads it, the Topic of a coalesced message, and
// the wording of push messages.

#include <gtest/gtest.h>

#include "auth/oidc/jwk.hpp"
#include "auth/oidc/jws.hpp"
#include "core/base64url.hpp"
#include "core/config.hpp"
#include "mail/templates.hpp"
#include "notifications/model.hpp"
#include "notifications/push_crypto.hpp"
#include "notifications/push_sender.hpp"

using namespace pm;
using namespace pm::notifications;

namespace {

std::string b64(const char* text) { return base64url_decode(text).value(); }

// RFC 8291 Appendix A.
constexpr const char* kPlaintext = "When I grow up, I want to be a watermelon";
constexpr const char* kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr const char* kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr const char* kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr const char* kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr const char* kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr const char* kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A"
    "_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

Json subscription(std::string endpoint, std::string p256dh = kUaPublic, std::string auth = kAuth) {
  return {{"endpoint", endpoint}, {"expirationTime", nullptr}, {"keys", {{"p256dh", p256dh}, {"auth", auth}}}};
}

std::vector<std::string> error_fields(const Result<PushSubscriptionInput>& r) {
  std::vector<std::string> out;
  if (r) return out;
  for (const auto& e : r.error().extensions.value("errors", Json::array())) out.push_back(e.value("field", ""));
  return out;
}

}  // namespace

TEST(PushEncryption, ReproducesTheRfc8291TestVectorByteForByte) {
  auto sender = push::p256_key_pair(b64(kAsPrivate), b64(kAsPublic));
  ASSERT_TRUE(sender.has_value());
  auto body = push::encrypt_with(kPlaintext, b64(kUaPublic), b64(kAuth), *sender, b64(kSalt));
  ASSERT_TRUE(body.has_value()) << body.error();
  EXPECT_EQ(base64url_encode(*body), kBody);
}

TEST(PushEncryption, AFreshKeyAndSaltForEveryMessage) {
  auto a = push::encrypt(kPlaintext, b64(kUaPublic), b64(kAuth));
  auto b = push::encrypt(kPlaintext, b64(kUaPublic), b64(kAuth));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->substr(0, 16), b->substr(0, 16)) << "the salt";
  EXPECT_NE(a->substr(21, 65), b->substr(21, 65)) << "the sender's public key";
  // salt 16, rs 4096, idlen 65, key 65, then plaintext + delimiter + tag.
  EXPECT_EQ(a->size(), 16 + 4 + 1 + 65 + std::string(kPlaintext).size() + 1 + 16);
  EXPECT_EQ(static_cast<unsigned char>((*a)[20]), 65);
}

TEST(PushEncryption, RefusesKeysThatAreNotAPointAndPayloadsLargerThanARecord) {
  std::string off_curve = b64(kUaPublic);
  off_curve[40] ^= 1;
  EXPECT_FALSE(push::encrypt("x", off_curve, b64(kAuth)).has_value());
  EXPECT_FALSE(push::encrypt("x", b64(kUaPublic), "short").has_value());
  EXPECT_FALSE(push::encrypt(std::string(push::kMaxPlaintext + 1, 'x'), b64(kUaPublic), b64(kAuth)).has_value());
  EXPECT_TRUE(push::encrypt(std::string(push::kMaxPlaintext, 'x'), b64(kUaPublic), b64(kAuth)).has_value());
}

TEST(Vapid, TheAuthorizationIsAnEs256JwtForTheEndpointsOriginThatItsKeyVerifies) {
  auto made = push::new_vapid_key();
  auto vapid = push::load_vapid(made.private_pem, "mailto:ops@pm.test");
  ASSERT_TRUE(vapid.has_value()) << vapid.error();
  EXPECT_EQ(vapid->public_key, made.public_key);
  EXPECT_EQ(base64url_decode(made.public_key)->size(), 65u);
  const auto now = std::chrono::system_clock::now();
  auto header = push::vapid_authorization(*vapid, "https://push.example.net:8443/wpush/v2/abc?x=1", now);
  ASSERT_TRUE(header.starts_with("vapid t=")) << header;
  auto comma = header.find(", k=");
  ASSERT_NE(comma, std::string::npos);
  EXPECT_EQ(header.substr(comma + 4), made.public_key);
  const auto token = header.substr(8, comma - 8);

  auto jws = auth::oidc::split_compact(token);
  ASSERT_TRUE(jws.has_value());
  const auto point = *base64url_decode(made.public_key);
  auto jwk = auth::oidc::parse_jwk({{"kty", "EC"},
                                    {"kid", "vapid"},
                                    {"crv", "P-256"},
                                    {"x", base64url_encode(point.substr(1, 32))},
                                    {"y", base64url_encode(point.substr(33))}});
  ASSERT_TRUE(jwk.has_value()) << jwk.error();
  EXPECT_TRUE(
      auth::oidc::verify_signature(jwt::Algorithm::es256, *jwk, jws->signing_input, *base64url_decode(jws->signature))
          .has_value());
  auto claims = Json::parse(*base64url_decode(jws->payload));
  EXPECT_EQ(claims["aud"], "https://push.example.net:8443");
  EXPECT_EQ(claims["sub"], "mailto:ops@pm.test");
  const auto exp = claims["exp"].get<long long>();
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  EXPECT_GT(exp, now_s);
  EXPECT_LE(exp, now_s + 24 * 3600) << "RFC 8292: no more than 24 hours";
  EXPECT_EQ(Json::parse(*base64url_decode(jws->header))["alg"], "ES256");
}

TEST(Vapid, AContactMustBeMailtoOrHttpsAndTheKeyP256) {
  auto made = push::new_vapid_key();
  EXPECT_FALSE(push::load_vapid(made.private_pem, "ops@pm.test").has_value());
  EXPECT_FALSE(push::load_vapid(made.private_pem, "").has_value());
  EXPECT_TRUE(push::load_vapid(made.private_pem, "https://pm.test/contact").has_value());
  EXPECT_FALSE(push::load_vapid("not a key", "mailto:ops@pm.test").has_value());
}

TEST(PushSubscriptionInput, ReadsWhatABrowserSends) {
  auto in = PushSubscriptionInput::parse(subscription("https://fcm.googleapis.com/fcm/send/abc"));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->endpoint, "https://fcm.googleapis.com/fcm/send/abc");
  EXPECT_EQ(in->p256dh, kUaPublic);
  EXPECT_EQ(in->auth, kAuth);
  EXPECT_TRUE(PushSubscriptionInput::parse(subscription("http://127.0.0.1:9000/push/1")).has_value())
      << "plain http to this machine (tests)";
}

TEST(PushSubscriptionInput, NamesEachBadField) {
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("http://push.example.net/x"))),
            std::vector<std::string>{"endpoint"});
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("ftp://push.example.net/x"))),
            std::vector<std::string>{"endpoint"});
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("https://p.test/" + std::string(3000, 'a')))),
            std::vector<std::string>{"endpoint"});
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("https://p.test/x", kAuth))),
            std::vector<std::string>{"keys.p256dh"});
  std::string off_curve = b64(kUaPublic);
  off_curve[40] ^= 1;
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("https://p.test/x", base64url_encode(off_curve)))),
            std::vector<std::string>{"keys.p256dh"});
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse(subscription("https://p.test/x", kUaPublic, "AAAA"))),
            std::vector<std::string>{"keys.auth"});
  EXPECT_EQ(error_fields(
                PushSubscriptionInput::parse(subscription("https://p.test/x", kUaPublic, "BTBZMqHH6r4Tts7J_aSIgg=="))),
            std::vector<std::string>{"keys.auth"});
  EXPECT_EQ(error_fields(PushSubscriptionInput::parse({{"endpoint", "https://p.test/x"}})),
            std::vector<std::string>{"keys"});
  auto extra = subscription("https://p.test/x");
  extra["owner"] = "someone";
  EXPECT_FALSE(PushSubscriptionInput::parse(extra).has_value());
  EXPECT_FALSE(PushSubscriptionInput::parse(Json::array()).has_value());
}

TEST(PushServiceHosts, OnlyTheConfiguredServicesAndTheirSubdomains) {
  const Config defaults;
  for (const auto* url :
       {"https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x",
        "https://web.push.apple.com/QGx", "https://wns2-by3p.notify.windows.com/w/?token=x"})
    EXPECT_TRUE(names_push_service(defaults.push_service_hosts, url)) << url;
  for (const auto* url :
       {"https://10.0.0.7/x", "https://127.0.0.1:6379/", "https://fcm.googleapis.com.evil.example/x",
        "https://notfcm.googleapis.com/x", "https://user@evil.example/?fcm.googleapis.com", "", "fcm"})
    EXPECT_FALSE(names_push_service(defaults.push_service_hosts, url)) << url;
  EXPECT_TRUE(names_push_service(" 127.0.0.1 , push.example", "http://127.0.0.1:8123/p/1")) << "spaces are trimmed";
  EXPECT_FALSE(names_push_service("", "https://fcm.googleapis.com/x")) << "none configured: none allowed";
}

TEST(PushMessages, ACoalescedBurstSharesItsConversationsTopicAndCountsItsMessages) {
  Json n = {{"type", "message.new"}, {"content", {{"conversation_id", "c-1"}, {"count", 3}}}};
  auto topic = push_topic(n);
  EXPECT_EQ(topic.size(), 32u);
  EXPECT_EQ(topic, push_topic({{"type", "message.new"}, {"content", {{"conversation_id", "c-1"}}}}));
  EXPECT_NE(topic, push_topic({{"type", "message.new"}, {"content", {{"conversation_id", "c-2"}}}}));
  EXPECT_EQ(push_topic({{"type", "match.new"}, {"content", {{"match_id", "m"}}}}), "");

  const mail::Links links{.public_url = "https://pm.test"};
  auto text = mail::push_notification(links, "en", n);
  EXPECT_EQ(text.title, "3 new messages");
  EXPECT_EQ(text.url, "https://pm.test/chats/c-1");
  auto match = mail::push_notification(links, "en", {{"type", "match.new"}, {"content", {{"match_id", "m-1"}}}});
  EXPECT_EQ(match.url, "https://pm.test/matches/m-1");
  auto like = mail::push_notification(links, "en", {{"type", "like.received"}, {"content", Json::object()}});
  EXPECT_EQ(like.url, "https://pm.test/matches");
}
