// The OpenAI-compatible clients (embeddings and chat completions) against a real HTTP server in the
// test process: request shapes, the bearer key, retries, timeouts and the Problems they map to.

#include <chrono>
#include <cmath>

#include <gtest/gtest.h>

#include "core/json.hpp"
#include "matching/embedding.hpp"
#include "matching/llm_client.hpp"
#include "support/fake_openai_server.hpp"

using namespace pm;
using namespace pm::matching;
using pm::test::FakeOpenAiServer;
using std::chrono::milliseconds;

namespace {

constexpr const char* kKey = "sk-test-SECRET-4f9a";
constexpr const char* kText = "I love hiking in the mountains";

OpenAiEmbedder embedder(const FakeOpenAiServer& server, int retries = 2, milliseconds timeout = milliseconds(2000)) {
  return OpenAiEmbedder(server.base_url(), "text-embedding-3-small", kKey, timeout, retries);
}

ChatClient chat(const FakeOpenAiServer& server, int retries = 1, milliseconds timeout = milliseconds(2000)) {
  return ChatClient("openai", server.base_url(), "gpt-4o-mini", kKey, timeout, retries);
}

// No Problem may leak the key or the user's text (details reach clients and logs).
void expect_clean(const Problem& p) {
  EXPECT_EQ(p.detail.find(kKey), std::string::npos) << p.detail;
  EXPECT_EQ(p.detail.find("SECRET"), std::string::npos) << p.detail;
  EXPECT_EQ(p.detail.find(kText), std::string::npos) << p.detail;
  EXPECT_EQ(p.to_json("").dump().find("SECRET"), std::string::npos);
}

template <class T>
void expect_problem(const Result<T>& r, int status, const std::string& type) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, status) << r.error().detail;
  EXPECT_EQ(r.error().type, type) << r.error().detail;
  expect_clean(r.error());
}

}  // namespace

// ---- embeddings ----

TEST(OpenAiEmbedder, SendsModelInputAndKeyAndNormalisesTheAnswer) {
  FakeOpenAiServer server;
  server.set_reply({.status = 200, .body = test::embedding_reply("[3, 4, 0]")});
  auto e = embedder(server);
  EXPECT_EQ(e.dimensions(), 0);

  auto v = e.embed(kText);
  ASSERT_TRUE(v.has_value()) << v.error().detail;
  ASSERT_EQ(v->size(), 3u);
  EXPECT_FLOAT_EQ((*v)[0], 0.6f);
  EXPECT_FLOAT_EQ((*v)[1], 0.8f);
  EXPECT_EQ(e.dimensions(), 3);
  EXPECT_EQ(e.model(), "text-embedding-3-small");

  EXPECT_EQ(server.last_path(), "/v1/embeddings");
  EXPECT_EQ(server.last_authorization(), std::string("Bearer ") + kKey);
  auto body = parse_json(server.last_body());
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ((*body)["model"], "text-embedding-3-small");
  EXPECT_EQ((*body)["input"], kText);
}

TEST(OpenAiEmbedder, SendsNoAuthorizationWithoutAKey) {
  FakeOpenAiServer server;  // e.g. a local llama.cpp or Ollama server
  server.set_reply({.status = 200, .body = test::embedding_reply("[1, 0]")});
  OpenAiEmbedder e(server.base_url() + "/", "nomic-embed-text", "", milliseconds(2000), 0);
  ASSERT_TRUE(e.embed(kText).has_value());
  EXPECT_EQ(server.last_authorization(), "");
  EXPECT_EQ(server.last_path(), "/v1/embeddings");  // the trailing slash of the base is tolerated
}

TEST(OpenAiEmbedder, InvalidUtf8IsReplacedRatherThanThrown) {
  FakeOpenAiServer server;
  server.set_reply({.status = 200, .body = test::embedding_reply("[1, 1]")});
  auto v = embedder(server).embed("caf\xE9 \xFF");  // Latin-1, not UTF-8
  ASSERT_TRUE(v.has_value()) << v.error().detail;
  auto body = parse_json(server.last_body());
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ((*body)["input"], "caf\xEF\xBF\xBD \xEF\xBF\xBD");  // U+FFFD for each bad byte
}

TEST(OpenAiEmbedder, BlankTextNeedsNoRequest) {
  FakeOpenAiServer server;
  auto e = embedder(server);
  auto v = e.embed("  \n ");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->empty());  // no dimensions known yet
  EXPECT_EQ(server.requests(), 0u);
}

TEST(OpenAiEmbedder, RetriesAServerErrorThenSucceeds) {
  FakeOpenAiServer server;
  server.queue_reply({.status = 500, .body = R"({"error":{"message":"overloaded"}})"});
  server.queue_reply({.status = 429, .body = R"({"error":{"message":"slow down"}})"});
  server.set_reply({.status = 200, .body = test::embedding_reply("[0, 2]")});
  auto v = embedder(server, 2).embed(kText);
  ASSERT_TRUE(v.has_value()) << v.error().detail;
  EXPECT_EQ(*v, (std::vector<float>{0.0f, 1.0f}));
  EXPECT_EQ(server.requests(), 3u);
}

TEST(OpenAiEmbedder, GivesUpOnServerErrorsAfterTheRetries) {
  FakeOpenAiServer server;
  server.set_reply({.status = 503, .body = "{}"});
  auto v = embedder(server, 2).embed(kText);
  expect_problem(v, 503, "embedding-unavailable");
  EXPECT_EQ(server.requests(), 3u);
}

TEST(OpenAiEmbedder, DoesNotRetryAClientError) {
  FakeOpenAiServer server;
  // Real APIs echo part of the key in a 401 and the input in a 400: none of it may surface.
  server.set_reply(
      {.status = 400, .body = std::string(R"({"error":{"message":"bad key )") + kKey + " for " + kText + "\"}}"});
  auto v = embedder(server, 3).embed(kText);
  expect_problem(v, 502, "embedding-failed");
  EXPECT_EQ(server.requests(), 1u);
}

TEST(OpenAiEmbedder, RefusesAnswersWithoutAUsableVector) {
  for (std::string body :
       {std::string("this is not json"), std::string(R"({"data":[]})"), std::string(R"({"data":[{"embedding":[]}]})"),
        std::string(R"({"data":[{"embedding":[1,"x"]}]})"), std::string(R"({"data":[{"embedding":[1e300]}]})"),
        std::string(R"([1,2,3])")}) {
    FakeOpenAiServer server;
    server.set_reply({.status = 200, .body = body});
    auto v = embedder(server).embed(kText);
    expect_problem(v, 502, "embedding-failed");
    EXPECT_EQ(server.requests(), 1u) << body;  // garbage does not get better by asking again
  }
}

TEST(OpenAiEmbedder, RefusesAChangeOfDimensions) {
  FakeOpenAiServer server;
  server.queue_reply({.status = 200, .body = test::embedding_reply("[1, 0, 0]")});
  server.set_reply({.status = 200, .body = test::embedding_reply("[1, 0]")});
  auto e = embedder(server);
  ASSERT_TRUE(e.embed(kText).has_value());
  expect_problem(e.embed(kText), 502, "embedding-failed");
  EXPECT_EQ(e.dimensions(), 3);
}

TEST(OpenAiEmbedder, TimesOutQuickly) {
  FakeOpenAiServer server;
  server.set_reply({.status = 200, .body = test::embedding_reply("[1]"), .delay = milliseconds(3000)});
  auto start = std::chrono::steady_clock::now();
  auto v = embedder(server, 1, milliseconds(200)).embed(kText);
  auto elapsed = std::chrono::steady_clock::now() - start;
  expect_problem(v, 503, "embedding-unavailable");
  EXPECT_NE(v.error().detail.find("in time"), std::string::npos) << v.error().detail;
  EXPECT_LT(elapsed, milliseconds(2500));  // two attempts of 200 ms and a 100 ms pause (~0.5 s), not 3 s
}

TEST(OpenAiEmbedder, UnreachableServerIsUnavailable) {
  std::string url;
  {
    FakeOpenAiServer gone;  // its port is free again once it is destroyed
    url = gone.base_url();
  }
  OpenAiEmbedder e(url, "m", kKey, milliseconds(1000), 1);
  auto v = e.embed(kText);
  expect_problem(v, 503, "embedding-unavailable");
  EXPECT_NE(v.error().detail.find("cannot be reached"), std::string::npos) << v.error().detail;
}

// ---- chat completions ----

TEST(ChatClient, IsEnabledOnlyWithOpenAiAndAUrl) {
  Config config;
  EXPECT_FALSE(ChatClient(config).enabled());
  config.llm_provider = "openai";
  EXPECT_FALSE(ChatClient(config).enabled());
  config.llm_url = "http://127.0.0.1:9/v1";
  EXPECT_TRUE(ChatClient(config).enabled());
  config.llm_provider = "builtin";
  EXPECT_FALSE(ChatClient(config).enabled());
}

TEST(ChatClient, DisabledClientSendsNothing) {
  FakeOpenAiServer server;
  ChatClient c("builtin", server.base_url(), "m", kKey, milliseconds(1000), 0);
  expect_problem(c.complete_json("s", "u"), 503, "insights-unavailable");
  EXPECT_EQ(server.requests(), 0u);
}

TEST(ChatClient, ReturnsTheObjectTheModelWrote) {
  FakeOpenAiServer server;
  server.set_reply(
      {.status = 200, .body = test::chat_reply(R"({"summary":"You both love the outdoors","score":0.8})")});
  auto r = chat(server).complete_json("You write match insights as JSON.", kText);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ((*r)["summary"], "You both love the outdoors");
  EXPECT_EQ((*r)["score"], 0.8);

  EXPECT_EQ(server.last_path(), "/v1/chat/completions");
  EXPECT_EQ(server.last_authorization(), std::string("Bearer ") + kKey);
  auto body = parse_json(server.last_body());
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ((*body)["model"], "gpt-4o-mini");
  EXPECT_EQ((*body)["response_format"]["type"], "json_object");
  EXPECT_DOUBLE_EQ((*body)["temperature"].get<double>(), 0.2);
  ASSERT_EQ((*body)["messages"].size(), 2u);
  EXPECT_EQ((*body)["messages"][0]["role"], "system");
  EXPECT_EQ((*body)["messages"][0]["content"], "You write match insights as JSON.");
  EXPECT_EQ((*body)["messages"][1]["role"], "user");
  EXPECT_EQ((*body)["messages"][1]["content"], kText);
}

TEST(ChatClient, RefusesContentThatIsNotAJsonObject) {
  for (std::string content : {std::string("Sure! Here are your insights: ..."), std::string("[1, 2]"),
                              std::string("\"text\""), std::string("")}) {
    FakeOpenAiServer server;
    server.set_reply({.status = 200, .body = test::chat_reply(content)});
    expect_problem(chat(server).complete_json("s", kText), 502, "insights-failed");
    EXPECT_EQ(server.requests(), 1u);
  }
  FakeOpenAiServer server;
  server.set_reply({.status = 200, .body = R"({"choices":[]})"});
  expect_problem(chat(server).complete_json("s", kText), 502, "insights-failed");
}

TEST(ChatClient, RetriesUnavailableThenSucceeds) {
  FakeOpenAiServer server;
  server.queue_reply({.status = 503, .body = "{}"});
  server.set_reply({.status = 200, .body = test::chat_reply(R"({"ok":true})")});
  auto r = chat(server, 1).complete_json("s", kText);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ((*r)["ok"], true);
  EXPECT_EQ(server.requests(), 2u);
}

TEST(ChatClient, GivesUpOn503AfterTheRetries) {
  FakeOpenAiServer server;
  server.set_reply({.status = 503, .body = "{}"});
  expect_problem(chat(server, 1).complete_json("s", kText), 503, "insights-unavailable");
  EXPECT_EQ(server.requests(), 2u);
}

TEST(ChatClient, ClientErrorIsFailedWithoutRetry) {
  FakeOpenAiServer server;
  server.set_reply(
      {.status = 401, .body = std::string(R"({"error":{"message":"Incorrect API key provided: )") + kKey + "\"}}"});
  expect_problem(chat(server, 2).complete_json("s", kText), 502, "insights-failed");
  EXPECT_EQ(server.requests(), 1u);
}

TEST(ChatClient, TimesOutQuickly) {
  FakeOpenAiServer server;
  server.set_reply({.status = 200, .body = test::chat_reply("{}"), .delay = milliseconds(3000)});
  auto start = std::chrono::steady_clock::now();
  expect_problem(chat(server, 0, milliseconds(200)).complete_json("s", kText), 503, "insights-unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));  // ~0.5 s, not the 3 s reply
}
