// The Notification Service's pure parts: types and their settings, the settings check, the
// list cursor and query, and the outbox's backoff.

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "notifications/model.hpp"
#include "notifications/notification_outbox.hpp"
#include "profiles/model.hpp"

using namespace pm;
using namespace pm::notifications;
using namespace std::chrono_literals;

TEST(NotificationTypes, EachHasANameAndASettingTheApiKnows) {
  for (auto type : {Type::match_new, Type::message_new, Type::like_received, Type::subscription_changed}) {
    EXPECT_EQ(type_from_name(type_name(type)), type);
    bool documented = false;
    for (auto key : profiles::kNotificationKeys) documented = documented || key == setting_key(type);
    EXPECT_TRUE(documented) << setting_key(type) << " is not a notification_settings key";
  }
  EXPECT_EQ(type_name(Type::match_new), "match.new");
  EXPECT_EQ(type_name(Type::message_new), "message.new");
  EXPECT_EQ(type_name(Type::like_received), "like.received");
  EXPECT_EQ(type_name(Type::subscription_changed), "subscription.changed");
  EXPECT_EQ(setting_key(Type::match_new), "new_match");
  EXPECT_EQ(setting_key(Type::message_new), "new_message");
  EXPECT_FALSE(type_from_name("match.old").has_value());
  for (auto channel : kChannels) {
    EXPECT_EQ(channel_from_name(channel_name(channel)), channel);
    bool documented = false;
    for (auto key : profiles::kNotificationKeys) documented = documented || key == channel_name(channel);
    EXPECT_TRUE(documented) << channel_name(channel);
  }
}

TEST(NotificationSettings, EveryKeyDefaultsToOnAndOnlyAnExplicitFalseTurnsItOff) {
  EXPECT_TRUE(setting_on(Json::object(), "new_match"));
  EXPECT_TRUE(setting_on(nullptr, "new_match"));
  EXPECT_TRUE(setting_on(Json::array(), "new_match"));
  EXPECT_TRUE(setting_on({{"new_match", true}}, "new_match"));
  EXPECT_FALSE(setting_on({{"new_match", false}}, "new_match"));
  EXPECT_TRUE(setting_on({{"new_match", false}}, "new_message"));
  EXPECT_TRUE(setting_on({{"new_match", "no"}}, "new_match")) << "not a boolean: the default";
}

TEST(NotificationCursor, RoundTripsExactly) {
  const std::string id = crypto::uuid_v4();
  for (std::int64_t us : {0LL, 1LL, 1714557600123456LL, 253402300799999999LL}) {
    auto back = decode_cursor(encode_cursor({us, id}));
    ASSERT_TRUE(back.has_value()) << us;
    EXPECT_EQ(back->created_us, us);
    EXPECT_EQ(back->notification_id, id);
  }
}

TEST(NotificationCursor, RefusesWhatThisApiNeverHandsOut) {
  const std::string id = crypto::uuid_v4();
  const std::vector<std::string> bad_ones = {"",
                                             "_",
                                             "_" + id,
                                             "12",
                                             "12_",
                                             "12_nope",
                                             "-1_" + id,
                                             "1.5_" + id,
                                             "0x10_" + id,
                                             " 12_" + id,
                                             "12 _" + id,
                                             "253402300800000000_" + id,
                                             "99999999999999999999_" + id};
  for (const auto& bad : bad_ones) EXPECT_FALSE(decode_cursor(bad).has_value()) << bad;
}

TEST(NotificationCursor, TimestampLiteralsAreExactUtc) {
  EXPECT_EQ(timestamp_literal(0), "1970-01-01 00:00:00.000000+00");
  EXPECT_EQ(timestamp_literal(1714557600123456), "2024-05-01 10:00:00.123456+00");
  EXPECT_EQ(timestamp_literal(951782400000001), "2000-02-29 00:00:00.000001+00");
  EXPECT_EQ(timestamp_literal(253402300799999999), "9999-12-31 23:59:59.999999+00");
}

TEST(NotificationListQuery, ParsesAndNamesTheBadParameter) {
  auto q = ListQuery::parse(std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->limit, 20);
  EXPECT_FALSE(q->unread_only);
  EXPECT_FALSE(q->cursor.has_value());

  q = ListQuery::parse("5_" + crypto::uuid_v4(), "100", "true");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->limit, 100);
  EXPECT_TRUE(q->unread_only);
  EXPECT_EQ(q->cursor->created_us, 5);

  struct Case {
    std::optional<std::string> cursor, limit, unread;
    std::string field;
  };
  for (const auto& c :
       {Case{std::nullopt, "0", std::nullopt, "limit"}, Case{std::nullopt, "101", std::nullopt, "limit"},
        Case{std::nullopt, "", std::nullopt, "limit"}, Case{std::nullopt, "1e2", std::nullopt, "limit"},
        Case{"x", std::nullopt, std::nullopt, "cursor"}, Case{std::nullopt, std::nullopt, "TRUE", "unread"},
        Case{std::nullopt, std::nullopt, "", "unread"}}) {
    auto r = ListQuery::parse(c.cursor, c.limit, c.unread);
    ASSERT_FALSE(r.has_value()) << c.field;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().type, "validation-failed");
    EXPECT_EQ(r.error().extensions["errors"][0]["field"], c.field);
  }
}

TEST(NotificationOutboxBackoff, DoublesFromTheBaseUpToTheCap) {
  EXPECT_EQ(retry_delay(1, 30s, 3600s), 30s);
  EXPECT_EQ(retry_delay(2, 30s, 3600s), 60s);
  EXPECT_EQ(retry_delay(3, 30s, 3600s), 120s);
  EXPECT_EQ(retry_delay(7, 30s, 3600s), 1920s);
  EXPECT_EQ(retry_delay(8, 30s, 3600s), 3600s);
  EXPECT_EQ(retry_delay(1000, 30s, 3600s), 3600s) << "no overflow however many failures";
  EXPECT_EQ(retry_delay(0, 30s, 3600s), 30s);
}
