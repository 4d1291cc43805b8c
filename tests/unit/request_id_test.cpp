#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "http/request_id.hpp"

TEST(RequestId, IsAVersion4UuidAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = pm::http::new_request_id();
    ASSERT_TRUE(pm::crypto::is_uuid(id)) << id;
    ASSERT_EQ(id[14], '4') << id;                                          // version 4
    ASSERT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // RFC 4122 variant
    ASSERT_TRUE(seen.insert(id).second) << "repeated: " << id;
  }
  // Each thread has its own generator, seeded on its own: no two threads hand out the same ids.
  std::string other;
  std::thread([&] { other = pm::http::new_request_id(); }).join();
  EXPECT_FALSE(seen.contains(other));
}
