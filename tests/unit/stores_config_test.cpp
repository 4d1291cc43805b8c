#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "db/conninfo.hpp"

using namespace pm;

TEST(RedisUrl, ParsesHostPortCredentialsAndDatabase) {
  auto u = cache::parse_redis_url("redis://default:s3cret@10.1.2.3:6380/4");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.1.2.3");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->user, "default");
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_EQ(u->db, 4);

  auto plain = cache::parse_redis_url("redis://localhost");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 6379);
  EXPECT_EQ(plain->db, 0);
  EXPECT_TRUE(plain->password.empty());
}

TEST(RedisUrl, RejectsMalformedUrls) {
  EXPECT_FALSE(cache::parse_redis_url("http://localhost:6379"));
  EXPECT_FALSE(cache::parse_redis_url("redis://:pw@"));
  EXPECT_FALSE(cache::parse_redis_url("redis://host:notaport"));
  EXPECT_FALSE(cache::parse_redis_url("redis://host:6379/x"));
}

TEST(Conninfo, OverridesKeywordsOfAUrl) {
  auto info = db::conninfo_with("postgresql://pm:pw@127.0.0.1:5544/perfectmatch",
                                {{"dbname", "other"}, {"connect_timeout", "3"}});
  ASSERT_TRUE(info);
  EXPECT_NE(info->find("dbname='other'"), std::string::npos) << *info;
  EXPECT_NE(info->find("port='5544'"), std::string::npos);
  EXPECT_NE(info->find("connect_timeout='3'"), std::string::npos);
}

TEST(Conninfo, DescribeTargetNeverShowsCredentials) {
  auto text = db::describe_target("postgresql://pm:topsecret@db.internal:5433/perfectmatch");
  EXPECT_EQ(text, "db.internal:5433/perfectmatch");
}

TEST(Conninfo, InvalidStringIsAProblem) {
  auto info = db::conninfo_with("host=localhost dbname='unterminated", {});
  EXPECT_FALSE(info);
}
