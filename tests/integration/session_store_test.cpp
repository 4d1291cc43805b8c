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
