// The outbound HTTP client's rules (core/http_client.hpp), against a real local HTTP server.

#include <gtest/gtest.h>

#include "core/http_client.hpp"
#include "support/jwks_server.hpp"

using namespace pm;
using Kind = http_client::Failure::Kind;

TEST(HttpClient, PlainHttpOnlyToLoopbackAndOnlyHttpSchemes) {
  for (const char* ok :
       {"https://api.openai.com/v1", "HTTPS://example.com", "http://127.0.0.1:8080/x", "http://localhost/jwks.json",
        "http://s3.localhost:9000", "http://[::1]:80/", "http://127.1.2.3/", "http://user@127.0.0.1/"})
    EXPECT_FALSE(http_client::refusal(ok).has_value()) << ok;
  for (const char* refused : {"http://example.com/jwks.json", "http://10.0.0.5:11434/v1", "http://127.0.0.1.evil.com/",
                              "http://127.0.0.1@evil.com/", "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1"})
    EXPECT_TRUE(http_client::refusal(refused).has_value()) << refused;
  EXPECT_TRUE(http_client::is_http_url("HTTPS://example.com")) << "schemes are case-insensitive";
  EXPECT_FALSE(http_client::is_http_url("/etc/keys/jwks.json"));
}

TEST(HttpClient, ARefusedUrlIsNeverCalled) {
  auto answer = http_client::send({.url = "http://example.com/"}, {});
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, Kind::refused);
}

TEST(HttpClient, AnswersComeBackWithTheirStatusAndRedirectsAreNotFollowed) {
  test::JwksServer server;
  server.set_body("hello");
  auto ok = http_client::send({.url = server.url()}, {});
  ASSERT_TRUE(ok.has_value()) << ok.error().detail;
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "hello");

  server.set_status(302);
  auto moved = http_client::send({.url = server.url()}, {});
  ASSERT_TRUE(moved.has_value()) << moved.error().detail;
  EXPECT_EQ(moved->status, 302) << "the redirect is the answer";
  EXPECT_EQ(server.requests(), 2u);
}

TEST(HttpClient, TooLargeAndTooSlowAnswersFail) {
  test::JwksServer server;
  server.set_body(std::string(4096, 'x'));
  auto large = http_client::send({.url = server.url()}, {.max_body = 1024});
  ASSERT_FALSE(large.has_value());
  EXPECT_EQ(large.error().kind, Kind::too_large);

  server.set_body("late");
  server.set_delay(std::chrono::milliseconds(1500));
  auto slow = http_client::send({.url = server.url()}, {.timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().kind, Kind::timed_out);
}

TEST(HttpClient, NothingListeningIsUnreachable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto answer = http_client::send({.url = "http://127.0.0.1:1/"}, {});
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, Kind::unreachable);
}
