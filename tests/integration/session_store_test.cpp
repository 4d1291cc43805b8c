// auth::SessionStore against a private redis-server of the test's own, which the test can stop:
// ending sessions (one, or all) tells the listeners (the hub closes the sockets, notifications end the
// browsers' pushes) even when Redis fails part-way, and asks Redis once for all but the kept one.

#include <gtest/gtest.h>

#include "auth/sessions.hpp"
#include "core/crypto.hpp"
#include "core/id.hpp"
#include "support/processes.hpp"

using namespace pm;

namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  test::RedisServer server_;
  cache::RedisPool redis_{
      cache::RedisOptions{.url = server_.url(), .size = 1, .timeout = std::chrono::milliseconds(300)}};
  auth::SessionStore sessions_{redis_, {}};
  std::vector<auth::SessionsEnded> told_;
  const UserId ada_{crypto::uuid_v4()};

  void SetUp() override {
    sessions_.on_ended([this](const auth::SessionsEnded& ended) { told_.push_back(ended); });
  }
  std::string session_of(const std::string& token) {
    auto caller = sessions_.resolve(token);
    EXPECT_TRUE(caller) << (caller ? "" : caller.error().detail);
    return caller ? caller->session_id : "";
  }
};

}  // namespace

TEST_F(SessionStoreTest, EndingAllButOneLeavesOnlyThatOne) {
  auto kept = sessions_.create(ada_, {}), other = sessions_.create(ada_, {}), third = sessions_.create(ada_, {});
  ASSERT_TRUE(kept && other && third);
  const std::string kept_id = session_of(*kept);
  ASSERT_TRUE(sessions_.end_all(ada_, kept_id));
  EXPECT_EQ(sessions_.list(ada_).value_or(std::vector<std::string>{}), std::vector<std::string>{kept_id});
  ASSERT_EQ(told_.size(), 1u);
  EXPECT_TRUE(told_[0].all);
  EXPECT_EQ(told_[0].kept, kept_id);
}

TEST_F(SessionStoreTest, EndingSessionsTellsTheListenersEvenWhenRedisFails) {
  auto token = sessions_.create(ada_, {});
  ASSERT_TRUE(token);
  server_.stop();
  for (const auto& keep : {std::optional<std::string>(), std::optional<std::string>("kept")}) {
    told_.clear();
    EXPECT_FALSE(sessions_.end_all(ada_, keep)) << "Redis is down: the caller hears of it";
    ASSERT_EQ(told_.size(), 1u) << "what the sessions opened must close anyway";
    EXPECT_EQ(told_[0].user_id, ada_);
    EXPECT_TRUE(told_[0].all);
  }
  // One session (a sign-out) likewise.
  told_.clear();
  EXPECT_FALSE(sessions_.end({.user_id = ada_, .session_id = "a-session"}));
  ASSERT_EQ(told_.size(), 1u) << "a sign-out's socket must close anyway";
  EXPECT_EQ(told_[0].sessions, std::vector<std::string>{"a-session"});
}

// A session in use slides its expiry forward (at most once a minute), by rewriting its JSON only
// while it still exists: a sign-out that lands between the read and the write stays a sign-out.
TEST_F(SessionStoreTest, ASessionInUseSlidesItsExpiryForward) {
  auto token = sessions_.create(ada_, {});
  ASSERT_TRUE(token);
  const auto id = auth::SessionStore::session_id(*token);
  const auto key = auth::SessionStore::key(ada_);
  auto stored = [&] {
    auto got = redis_.command({"HGET", key, id});
    return got && !got->is_nil() ? Json::parse(got->str()) : Json();
  };
  Json session = stored();
  ASSERT_TRUE(session.is_object());
  const long long now = session["last_seen"].get<long long>();
  session["last_seen"] = now - 120;
  session["expires_at"] = now + 10;  // nearly idle for too long
  ASSERT_TRUE(redis_.command({"HSET", key, id, session.dump()}));
  ASSERT_TRUE(sessions_.resolve(*token));
  const Json refreshed = stored();
  EXPECT_GE(refreshed.value("last_seen", 0LL), now);
  EXPECT_GT(refreshed.value("expires_at", 0LL), now + 3600) << "its idle expiry moved forward";
  ASSERT_TRUE(sessions_.end({.user_id = ada_, .session_id = id}));
  EXPECT_FALSE(sessions_.resolve(*token));
  EXPECT_TRUE(stored().is_null()) << "an ended session stays ended";
}

// Two requests writing different fields of one session (a refresh's last_seen, a password
// confirmation) each write only their own: the later one cannot put back what the earlier one read
// before the other wrote. A write to an ended session brings nothing back.
TEST_F(SessionStoreTest, WritingASessionsFieldsKeepsTheOthers) {
  auto token = sessions_.create(ada_, {.user_agent = "Firefox/133 \"quoted\" é", .ip = "192.0.2.7"});
  ASSERT_TRUE(token);
  const auth::Caller ada{ada_, auth::SessionStore::session_id(*token)};
  const auto key = auth::SessionStore::key(ada_);
  auto got = redis_.command({"HGET", key, ada.session_id});
  ASSERT_TRUE(got && !got->is_nil());
  Json signed_in = Json::parse(got->str());
  signed_in["created_at"] = signed_in["created_at"].get<long long>() - 3600;  // an hour ago
  ASSERT_TRUE(redis_.command({"HSET", key, ada.session_id, signed_in.dump()}));
  ASSERT_TRUE(sessions_.mark_password_confirmed(ada));

  // What a refresh that read the session before the confirmation writes after it.
  ASSERT_TRUE(sessions_.write_fields(ada_, ada.session_id, {{"last_seen", signed_in["last_seen"]}}));
  auto since = sessions_.since_proved(ada);
  ASSERT_TRUE(since && *since);
  EXPECT_LT(**since, std::chrono::minutes(1)) << "the confirmation is kept";
  auto records = sessions_.records(ada_);
  ASSERT_TRUE(records && records->size() == 1u);
  EXPECT_EQ(records->front().user_agent, "Firefox/133 \"quoted\" é") << "the other fields come back as they were";
  EXPECT_EQ(records->front().created_at, signed_in["created_at"].get<long long>());

  ASSERT_TRUE(sessions_.end(ada));
  auto written = sessions_.write_fields(ada_, ada.session_id, {{"last_seen", 1}});
  ASSERT_TRUE(written);
  EXPECT_FALSE(*written);
  auto after = redis_.command({"HEXISTS", key, ada.session_id});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->integer(), 0) << "an ended session stays ended";
  EXPECT_FALSE(sessions_.mark_password_confirmed(ada)) << "nothing is confirmed for it";
}

// A browser's user agent is kept to 256 bytes, cut between characters: half of one would make the
// session's JSON unwritable and the sign-in fail.
TEST_F(SessionStoreTest, ALongUserAgentIsCutBetweenCharacters) {
  std::string agent = "x";
  while (agent.size() < 400) agent += "é";  // two bytes each, so byte 256 falls inside one
  auto token = sessions_.create(ada_, {.user_agent = agent, .ip = "192.0.2.7"});
  ASSERT_TRUE(token) << token.error().detail;
  auto records = sessions_.records(ada_);
  ASSERT_TRUE(records && records->size() == 1u);
  EXPECT_EQ(records->front().user_agent, agent.substr(0, 255));
}
