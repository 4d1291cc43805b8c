// Insights from an OpenAI-compatible chat model (a fake one in the test): its prose is used when it
// answers well, and any failure falls back to the built-in insights; scores never come from it.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "support/eventually.hpp"
#include "support/fake_openai_server.hpp"
#include "support/matching_api.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

class MatchingLlm : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    c.llm_provider = "openai";
    c.llm_url = llm_.base_url();
    c.llm_model = "test-model";
    c.llm_api_key = "sk-test-secret";
    c.llm_timeout = std::chrono::milliseconds(2000);
    c.llm_retries = 0;
  }
  test::FakeOpenAiServer llm_;
};

}  // namespace

TEST_F(MatchingLlm, TheModelWritesTheProseFromTheFactsItIsGiven) {
  llm_.set_reply({.body = test::chat_reply(Json{{"summary", "Two sailors who bake."},
                                                {"detailedAnalysis", "Long analysis."},
                                                {"conversationStarters", {"Ask about boats."}},
                                                {"potentialChallenges", {"None worth naming."}}}
                                               .dump())});
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  Json doc = opened_insight_document(ana, id);
  EXPECT_EQ(doc["aiModel"], "test-model");
  EXPECT_EQ(doc["insights"]["detailedAnalysis"], "Long analysis.");
  // The summary, which every plan sees, stays the built-in one: the model was given the premium
  // facts (Ben's own words), and what it wrote could carry them to a free plan.
  EXPECT_NE(doc["insights"]["summary"], "Two sailors who bake.");
  EXPECT_NE(doc["insights"]["summary"].get<std::string>().find("% compatible."), std::string::npos);
  EXPECT_EQ(doc["insights"]["premiumInsights"]["conversationStarters"], Json::array({"Ask about boats."}));
  EXPECT_EQ(doc["insights"]["keyFactors"].size(), 6u) << "the attributes stay the engine's own";
  // The model was given the pair's facts (their answers as the built-in analysis found them: both
  // picked Read and Paint for "Pick hobbies.").
  EXPECT_NE(llm_.last_body().find("Ana and Ben both picked"), std::string::npos) << llm_.last_body();
  EXPECT_EQ(llm_.last_authorization(), "Bearer sk-test-secret");
}

TEST_F(MatchingLlm, AnyFailureFallsBackToTheBuiltInInsights) {
  llm_.set_reply({.status = 500, .body = "{}"});
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string first = match_between(ana, ben);
  ASSERT_FALSE(first.empty());
  EXPECT_NE(opened_insight_document(ana, first)["insights"]["detailedAnalysis"].get<std::string>().find(
                "questions in common"),
            std::string::npos);

  llm_.set_reply({.body = test::chat_reply("this is not JSON")});
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  const std::string second = match_between(ana, carl);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(opened_insight_document(ana, second)["insights"]["detailedAnalysis"].get<std::string>().find(
                "questions in common"),
            std::string::npos);

  llm_.set_reply({.body = test::chat_reply("{}"), .delay = std::chrono::milliseconds(3000)});  // beyond the timeout
  Person dan = person("Dan", "man", "woman", 52.50, 13.41);
  const std::string third = match_between(ana, dan);
  ASSERT_FALSE(third.empty());
  EXPECT_NE(opened_insight_document(ana, third)["insights"]["detailedAnalysis"].get<std::string>().find(
                "questions in common"),
            std::string::npos);
}

namespace {

// A paid text embedding (a fake OpenAI-compatible server): asked for only when the words change.
class MatchingWithAnEmbeddingService : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    embedder_.set_reply({.body = test::embedding_reply("[0.6, 0.8, 0.0]")});
    c.embedding_provider = "openai";
    c.embedding_url = embedder_.base_url();
    c.embedding_retries = 0;
  }
  test::FakeOpenAiServer embedder_;
};

}  // namespace

// Each answer changed after completion recomputes the person's vectors. A slider or a choice moved
// back and forth, once a second, was a paid embedding each time, though the words it embeds (the
// bio and the open answers) had not changed.
TEST_F(MatchingWithAnEmbeddingService, OnlyChangedWordsAreEmbeddedAgain) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  run_worker_pass();
  const std::size_t first = embedder_.requests();
  ASSERT_GE(first, 1u) << "her completed questionnaire was embedded";
  for (int value : {4, 1, 4}) {
    answer(ana, "t_q5", {{"value", value}, {"importance", 4}});
    run_worker_pass();
  }
  EXPECT_EQ(embedder_.requests(), first) << "a slider's changes were embedded again";
  answer(ana, "t_q6", {{"value", "I repair bicycles now."}});
  run_worker_pass();
  EXPECT_EQ(embedder_.requests(), first + 1) << "new words are embedded";
  EXPECT_NE(embedder_.last_body().find("I repair bicycles now."), std::string::npos) << embedder_.last_body();
}

// Two computations of one person's vectors at once (two workers, a slow embedding provider): the one
// that read her answers first must not save last, or her stale vectors stayed until her next answer.
TEST_F(MatchingWithAnEmbeddingService, AnOlderReadOfTheAnswersNeverReplacesNewerVectors) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto& engine = server_->app().match_engine;
  answer(ana, "t_q6", {{"value", "I sail on weekends."}});
  const std::size_t before = embedder_.requests();
  // Her sailing words are embedded slowly ([1, 0, 0]); whatever comes after at once ([0.6, 0.8, 0]).
  embedder_.queue_reply({.body = test::embedding_reply("[1, 0, 0]"), .delay = std::chrono::milliseconds(3000)});
  std::thread slow([&] {
    auto done = engine.compute_vectors(ana.user.user_id);
    EXPECT_TRUE(done) << done.error().detail;
  });
  ASSERT_TRUE(test::eventually([&] { return embedder_.requests() > before; }))
      << "the slow computation read her answers";
  answer(ana, "t_q6", {{"value", "I repair bicycles now."}});
  auto fresh = engine.compute_vectors(ana.user.user_id);
  ASSERT_TRUE(fresh) << fresh.error().detail;
  slow.join();
  EXPECT_EQ(count("SELECT count(*) FROM user_vectors WHERE user_id = $1 "
                  "AND (doc #>> '{textEmbedding,vector,0}')::float8 < 0.9",
                  ana.user.user_id),
            1)
      << "the vectors of her bicycle words were replaced by those of the words she had changed";
}
