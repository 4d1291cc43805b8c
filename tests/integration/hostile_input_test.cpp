// Every route, fed wrong and hostile input by a signed-in client: the answer is always a 4xx
// problem+json (or a success), never a 5xx, a crash or a hang.

#include <random>

#include <gtest/gtest.h>

#include "support/accounts.hpp"

using namespace pm;

namespace {

std::vector<std::string> hostile_bodies() {
  std::vector<std::string> bodies = {
      "",
      "{",
      "}",
      "[]",
      "null",
      "true",
      "0",
      "\"text\"",
      "{\"a\":",
      "{\"a\" 1}",
      "\xff\xfe\xfd",
      std::string(200000, '['),                             // deep nesting, unclosed
      std::string(100000, '[') + std::string(100000, ']'),  // deep nesting, valid JSON
      "{\"value\": " + std::string(5000, '[') + std::string(5000, ']') + "}",
      "{\"email\": {\"$ne\": null}, \"password\": [1, 2]}",  // operator injection
      "{\"first_name\": \"'); DROP TABLE users; --\"}",      // SQL in a value
      "{\"min_age\": 1e999, \"max_age\": -1, \"max_distance\": 18446744073709551616}",
      "{\"birth_date\": \"0000-00-00\", \"gender\": null, \"location\": {\"latitude\": \"NaN\"}}",
      "{\"media_ids\": [\"../../etc/passwd\", 7]}",
      "{\"token\": \"" + std::string(5000, 'a') + "\"}",
      "{\"id_token\": \"a.b.c\", \"nonce\": []}",
      "{\"reason\": \"spam\", \"details\": \"\\u0000\\u0001\"}",
      "{\"bio\": \"\\ud800\"}",            // a lone surrogate
      "{\"bio\": \"a\", \"bio\": \"b\"}",  // a key twice
  };
  std::mt19937 rng(20261125);  // fixed seed: a failure reproduces
  for (int i = 0; i < 10; ++i) {
    std::string junk(static_cast<std::size_t>(rng() % 300), '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    bodies.push_back(junk);
  }
  return bodies;
}

std::string fill_params(std::string pattern, const std::string& value) {
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    auto close = pattern.find('}', open);
    pattern.replace(open, close - open + 1, value);
  }
  return pattern;
}

}  // namespace

TEST(HostileInput, NoRouteAnswers5xx) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.question_bank = "test-bank";
  test::TestServer server(config);
  server.use_question_bank("test-bank.json");
  auto user = test::sign_up(server, test::unique_email("hostile"));
  auto other = test::sign_up(server, test::unique_email("other"), "Bob", "man");
  const std::vector<std::string> param_values = {other.user_id,   "00000000-0000-4000-8000-000000000000",
                                                 "not-a-uuid",    "%00%ff",
                                                 "..%2F..%2Fetc", std::string(300, 'x')};
  const auto bodies = hostile_bodies();
  int requests = 0;
  for (const auto& [method, pattern] : server.app().router.routes()) {
    auto verb = http::beast_http::to_string(method);
    // Ending the session or the account would turn the rest into 401s; they are exercised last.
    if (pattern == "/api/v1/auth/logout" || pattern == "/api/v1/auth/logout-all" ||
        (pattern == "/api/v1/me" && method == http::Method::delete_))
      continue;
    for (const auto& value : param_values) {
      auto target = fill_params(pattern, value);
      for (const auto& body : bodies) {
        for (const char* type : {"application/json", "image/jpeg", "multipart/form-data; boundary=x"}) {
          auto headers = user.auth();
          headers.emplace_back("Content-Type", type);
          auto res = server.request(std::string(verb), target, body, headers);
          ++requests;
          ASSERT_LT(res.status, 500) << verb << " " << target << " with " << type << " body " << body.substr(0, 60)
                                     << ": " << res.body;
          if (res.status >= 400) {
            EXPECT_EQ(res.header("Content-Type"), "application/problem+json") << verb << " " << target;
          }
        }
      }
      if (pattern.find('{') == std::string::npos) break;  // no parameters: one target is enough
    }
  }
  // Hostile query strings on every route: bytes that are no text (PostgreSQL refuses them), and
  // text that only looks like what the parameter wants.
  const std::vector<std::string> queries = {
      "endpoint=%FF",
      "email=a%00b",
      "cursor=%C0%AF",
      "cursor=2026-12-01T10:00:00.123Z_00000000-0000-4000-8000-000000000000",
      "cursor=99999999999999999999_00000000-0000-4000-8000-000000000000",
      "limit=99999999999999999999&status=%27--&before=-1&after=x",
      "token=" + std::string(3000, 'a'),
  };
  for (const auto& [method, pattern] : server.app().router.routes()) {
    if (pattern == "/api/v1/auth/logout" || pattern == "/api/v1/auth/logout-all" ||
        (pattern == "/api/v1/me" && method == http::Method::delete_))
      continue;
    for (const auto& query : queries) {
      auto target = fill_params(pattern, other.user_id) + "?" + query;
      auto res = server.request(std::string(http::beast_http::to_string(method)), target, "", user.auth());
      ++requests;
      ASSERT_LT(res.status, 500) << target << ": " << res.body;
    }
  }
  EXPECT_GT(requests, 1000);
  for (const char* last : {"/api/v1/auth/logout-all", "/api/v1/auth/logout"}) {
    auto res = server.request("POST", last, "{", user.auth());
    EXPECT_LT(res.status, 500) << last;
  }
}

// A query parameter given twice is refused, naming it, rather than one of the two taken: a client
// that sent ?limit=5&limit=500 would not know which it got (the first was taken). Keys that only
// look alike are different parameters.
TEST(HostileInput, AQueryParameterGivenTwiceIsRefusedNotGuessed) {
  test::TestDatabase db;
  test::TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email("twice"));
  for (const char* target :
       {"/api/v1/notifications?limit=5&limit=50", "/api/v1/notifications?limit=5&lim%69t=6", "/healthz?x=1&x=1"}) {
    auto res = server.request("GET", target, "", user.auth());
    EXPECT_EQ(res.status, 400) << target << ": " << res.body;
    EXPECT_EQ(res.header("Content-Type"), "application/problem+json") << target;
    EXPECT_NE(res.json().value("detail", "").find("is given more than once"), std::string::npos) << res.body;
  }
  EXPECT_EQ(server.request("GET", "/api/v1/notifications?limit=5&Limit=6", "", user.auth()).status, 200)
      << "another parameter (and one this route ignores)";
  EXPECT_EQ(server.request("GET", "/api/v1/notifications?limit=5", "", user.auth()).status, 200);
  EXPECT_EQ(server.request("GET", "/api/v1/notifications?&limit=5&&", "", user.auth()).status, 200)
      << "empty fields are no parameters, however many";
}

// Headers that are no text (Beast takes any byte 0x80-0xFF in a field): a User-Agent of them made
// the sign-in answer 500 after it had counted (the session's JSON refused the bytes), and the
// OAuth callback lost its one-time state the same way. Every route, and the sign-in that keeps
// the User-Agent, answer as for any other client.
TEST(HostileInput, HeadersThatAreNoTextAreNever5xx) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.question_bank = "test-bank";
  test::TestServer server(config);
  server.use_question_bank("test-bank.json");
  auto user = test::sign_up(server, test::unique_email("headers"));
  const std::vector<std::pair<std::string, std::string>> hostile = {{"User-Agent", "Mozilla/5.0 \xff\xfe\xc0\xaf"},
                                                                    {"Accept-Language", "\xff"},
                                                                    {"Cookie", "pm_oauth=\xfe\xff"},
                                                                    {"Origin", "https://\xff.example"},
                                                                    {"X-Request-Id", "\xff\xfe"}};
  auto signed_in = server.request("POST", "/api/v1/auth/login",
                                  Json{{"email", user.email}, {"password", user.password}}.dump(), hostile);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string token = signed_in.json()["token"];
  auto sessions = server.request("GET", "/api/v1/me/sessions", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  EXPECT_NE(sessions.body.find("Mozilla/5.0 \xef\xbf\xbd"), std::string::npos)
      << "the browser's name is kept, its stray bytes replaced: " << sessions.body;

  for (const auto& [method, pattern] : server.app().router.routes()) {
    if (pattern == "/api/v1/auth/logout" || pattern == "/api/v1/auth/logout-all" ||
        (pattern == "/api/v1/me" && method == http::Method::delete_))
      continue;
    auto headers = user.auth();
    headers.insert(headers.end(), hostile.begin(), hostile.end());
    auto res = server.request(std::string(http::beast_http::to_string(method)), fill_params(pattern, user.user_id),
                              "{}", headers);
    ASSERT_LT(res.status, 500) << pattern << ": " << res.body;
  }
}
