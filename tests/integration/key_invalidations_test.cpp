// Redis's client-side caching notices (cache::KeyInvalidations), against a private redis-server
// of the test's own: what a node reads under a tracked prefix stays trusted until Redis says the
// key changed, this node changes it, or the notice connection is lost.

#include <gtest/gtest.h>

#include "cache/key_invalidations.hpp"
#include "support/eventually.hpp"
#include "support/processes.hpp"

using namespace pm;
using Mark = cache::KeyInvalidations::Mark;

namespace {

std::vector<std::size_t> hashes(std::initializer_list<std::string_view> keys) {
  std::vector<std::size_t> out;
  for (auto k : keys) out.push_back(cache::KeyInvalidations::key_hash(k));
  return out;
}

class KeyInvalidations : public ::testing::Test {
 protected:
  test::RedisServer server_;
  cache::RedisPool writer_{cache::RedisOptions{.url = server_.url(), .size = 1}};
  cache::KeyInvalidations notices_{cache::RedisOptions{.url = server_.url()}, {"match:", "matches:recent:"}};

  Mark listening_mark() {
    std::optional<Mark> mark;
    EXPECT_TRUE(test::eventually([&] { return (mark = notices_.mark()).has_value(); })) << "never listening";
    return mark.value_or(Mark{});
  }
};

}  // namespace

TEST_F(KeyInvalidations, AnotherClientsChangeVoidsOnlyTheMarksOfThatKey) {
  EXPECT_FALSE(notices_.mark()) << "nothing is trusted before the notice connection is confirmed";
  notices_.start();
  const Mark mark = listening_mark();
  const auto a = hashes({"match:a"}), b = hashes({"matches:recent:b"});
  EXPECT_TRUE(notices_.unchanged_since(mark, a));

  ASSERT_TRUE(writer_.command({"SET", "match:a", "1"}));
  EXPECT_TRUE(test::eventually([&] { return !notices_.unchanged_since(mark, a); })) << "no notice of match:a";
  EXPECT_TRUE(notices_.unchanged_since(mark, b)) << "another key's change voided this one";
  // A key outside the prefixes is not told about at all.
  const auto before = notices_.notices();
  ASSERT_TRUE(writer_.command({"SET", "session:x", "1"}));
  ASSERT_TRUE(writer_.command({"DEL", "matches:recent:b"}));  // (deleting nothing changes nothing)
  ASSERT_TRUE(writer_.command({"SET", "matches:recent:b", "[]"}));
  EXPECT_TRUE(test::eventually([&] { return !notices_.unchanged_since(mark, b); }));
  EXPECT_EQ(notices_.notices(), before + 1) << "only matches:recent:b's SET was told";
  // A mark taken after the notices trusts what is read after it.
  EXPECT_TRUE(notices_.unchanged_since(*notices_.mark(), a));
}

TEST_F(KeyInvalidations, ThisNodesOwnChangeVoidsAtOnce) {
  notices_.start();
  const Mark mark = listening_mark();
  const std::vector<std::string> keys{"match:mine"};
  notices_.changed(keys);
  EXPECT_FALSE(notices_.unchanged_since(mark, hashes({"match:mine"})));
  EXPECT_TRUE(notices_.unchanged_since(mark, hashes({"match:yours"})));
}

TEST_F(KeyInvalidations, ALostConnectionVoidsEveryMarkUntilItIsBack) {
  notices_.start();
  const Mark mark = listening_mark();
  const auto a = hashes({"match:a"});
  server_.stop();  // notices sent now would be lost
  EXPECT_TRUE(test::eventually([&] { return !notices_.mark(); })) << "still trusted with Redis gone";
  EXPECT_FALSE(notices_.unchanged_since(mark, a));
  server_.start();
  const Mark again = listening_mark();
  EXPECT_FALSE(notices_.unchanged_since(mark, a)) << "a mark from before the loss is trusted again";
  EXPECT_TRUE(notices_.unchanged_since(again, a));
  cache::RedisPool writer(cache::RedisOptions{.url = server_.url(), .size = 1});
  ASSERT_TRUE(writer.command({"SET", "match:a", "2"}));
  EXPECT_TRUE(test::eventually([&] { return !notices_.unchanged_since(again, a); })) << "no notice after reconnecting";
}

TEST_F(KeyInvalidations, FlushingRedisVoidsEveryMark) {
  notices_.start();
  const Mark mark = listening_mark();
  ASSERT_TRUE(writer_.command({"FLUSHALL"}));
  EXPECT_TRUE(test::eventually([&] { return !notices_.unchanged_since(mark, hashes({"match:never-written"})); }));
}
