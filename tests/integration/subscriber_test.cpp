// The subscribe-mode Redis connection (cache::Subscriber), against a private redis-server: its
// writes come from the hub under the hub's lock on an I/O thread, so a Redis that stops reading
// must make a write fail after the configured timeout, never hold the caller.

#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "cache/subscriber.hpp"
#include "support/processes.hpp"

using namespace pm;

TEST(Subscriber, AWriteToARedisThatStoppedReadingFailsInsteadOfBlocking) {
  test::RedisServer server;
  cache::Subscriber subscriber(cache::RedisOptions{.url = server.url(), .timeout = std::chrono::milliseconds(500)});
  ASSERT_TRUE(subscriber.connect());
  ASSERT_TRUE(subscriber.command({{"SSUBSCRIBE", "pm:user:first"}}));
  ASSERT_TRUE(subscriber.next().has_value()) << "no confirmation of the first subscription";

  server.pause();
  // Far more than the kernel's socket buffers hold while nobody reads them.
  auto writes = std::async(std::launch::async, [&] {
    const std::string channel(64 * 1024, 'c');
    for (int i = 0; i < 1000; ++i)
      if (!subscriber.command({{"SSUBSCRIBE", channel + std::to_string(i)}})) return false;
    return true;
  });
  const bool returned = writes.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  server.resume();
  ASSERT_TRUE(returned) << "the write is still blocked on a Redis that does not read";
  EXPECT_FALSE(writes.get()) << "64 MB were written to a stopped Redis";
  EXPECT_FALSE(subscriber.next().has_value()) << "the connection was not dropped after the failed write";
  // A new connection works again.
  ASSERT_TRUE(subscriber.connect());
  EXPECT_TRUE(subscriber.command({{"SSUBSCRIBE", "pm:user:again"}}));
}
