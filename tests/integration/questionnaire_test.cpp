// The questionnaire over real HTTP with the test bank (data/questions/test-bank.json):
// branching, strict answers, premium questions, retirement, progress, completion.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "core/actor.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "questionnaire/repository.hpp"
#include "subscriptions/comp.hpp"
#include "subscriptions/payments.hpp"
#include "support/accounts.hpp"
#include "support/fixtures.hpp"

using namespace pm;
using Json = nlohmann::json;

namespace {

class Questionnaire : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = test::test_config(db_);
    config.question_bank = "test-bank";
    server_ = std::make_unique<test::TestServer>(config);
    server_->use_question_bank("test-bank.json");
    user_ = test::sign_up(*server_, test::unique_email("quiz"));
  }

  static std::string id(const std::string& key) { return crypto::uuid_v5("test-bank:" + key); }

  test::HttpResult answer(const std::string& key, const Json& body) {
    return server_->request("PUT", "/api/v1/questionnaire/answers/" + id(key), body.dump(), user_.auth());
  }
  Json get(const std::string& path) { return server_->request("GET", path, "", user_.auth()).json(); }
  // The user's plan made premium with this payment status and end.
  void set_plan(const std::string& payment_status, const std::string& end_date) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params(
        "UPDATE subscription_details SET plan_type = 'premium', payment_status = $2, "
        "end_date = $3::timestamptz WHERE user_id = $1",
        user_.user_id, payment_status, end_date);
    tx.commit();
  }
  std::set<std::string> keys_of(const Json& questionnaire) {
    std::set<std::string> keys;
    for (const auto& b : questionnaire["blocks"])
      for (const auto& q : b["questions"]) keys.insert(q["key"]);
    return keys;
  }

  test::TestDatabase db_;
  std::unique_ptr<test::TestServer> server_;
  test::TestUser user_;
};

}  // namespace

TEST_F(Questionnaire, ShowsBlocksAndQuestionsWithoutTraitLoadings) {
  auto res = server_->request("GET", "/api/v1/questionnaire", "", user_.auth());
  ASSERT_EQ(res.status, 200) << res.body;
  auto q = res.json();
  EXPECT_EQ(q["bank"], "test-bank");
  EXPECT_EQ(q["blocks"].size(), 2u);
  EXPECT_EQ(res.body.find("traits"), std::string::npos) << "trait loadings are internal";
  auto keys = keys_of(q);
  EXPECT_FALSE(keys.count("t_q2")) << "hidden until t_q1 is yes";
  EXPECT_TRUE(keys.count("t_q8")) << "premium questions are listed";
  for (const auto& b : q["blocks"]) {
    for (const auto& question : b["questions"]) {
      if (question["key"] == "t_q8") {
        EXPECT_EQ(question["locked"], true) << "and locked for a free user";
      }
    }
  }
  EXPECT_EQ(server_->request("GET", "/api/v1/questionnaire").status, 401);
}

TEST_F(Questionnaire, BranchingShowsFollowUpsAndRetiresTheirAnswersWhenHiddenAgain) {
  ASSERT_EQ(answer("t_q1", {{"value", true}, {"importance", 7}}).status, 200);
  auto next = get("/api/v1/questionnaire/next");
  EXPECT_EQ(next["questions"][0]["key"], "t_q2") << "the follow-up comes next";
  ASSERT_EQ(answer("t_q2", {{"value", "big"}, {"acceptable", {"big"}}}).status, 200);
  ASSERT_EQ(answer("t_q3", {{"value", 4}, {"acceptable", {{"min", 2}, {"max", 8}}}}).status, 200)
      << "shown once t_q2 is answered";
  EXPECT_EQ(get("/api/v1/questionnaire/progress")["answered"], 3);

  auto changed = answer("t_q1", {{"value", false}});
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed.json()["retired"], 2) << "t_q2 and t_q3 are hidden now";
  auto progress = get("/api/v1/questionnaire/progress");
  EXPECT_EQ(progress["answered"], 1) << "retired answers no longer count";
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(
      q.exec_params1("SELECT count(*) FROM answers WHERE user_id = $1 AND retired_at IS NOT NULL", user_.user_id)[0]
          .as<int>(),
      2);
  auto hidden = answer("t_q2", {{"value", "small"}});
  EXPECT_EQ(hidden.status, 409);
  EXPECT_EQ(hidden.json()["type"], "/problems/question-not-visible");

  ASSERT_EQ(answer("t_q1", {{"value", true}}).status, 200);
  EXPECT_EQ(get("/api/v1/questionnaire/progress")["answered"], 3) << "showing them again brings their answers back";
}

// Two first answers saved at the same moment (two tabs, a double tap): each transaction built the
// response document from the answers it could see, without the other's, and the later one's
// document, written last, lost the earlier answer (its list and progress wrong until the next
// answer). One user's questionnaire changes now take turns.
TEST_F(Questionnaire, TwoAnswersSavedAtOnceBothStayInTheResponseDocument) {
  db_.slow_down("answers", "AFTER INSERT", 1.0);  // each answer's write takes a second
  test::HttpResult first, second;
  std::thread a([&] { first = answer("t_q1", {{"value", true}}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread b([&] { second = answer("t_q7", {{"value", "always"}, {"acceptable", {"always"}}}); });
  a.join();
  b.join();
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;

  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto listed = q.exec_params1(
      "SELECT string_agg(r->>'questionId', ',' ORDER BY r->>'questionId') FROM questionnaire_responses, "
      "jsonb_array_elements(doc->'responses') r WHERE user_id = $1",
      user_.user_id)[0];
  const std::string both = std::min(id("t_q1"), id("t_q7")) + "," + std::max(id("t_q1"), id("t_q7"));
  EXPECT_EQ(listed.as<std::string>(""), both);
  EXPECT_EQ(get("/api/v1/questionnaire/progress")["answered"], 2);
}

TEST_F(Questionnaire, NextTakesOnlyItsOwnLimitParameter) {
  EXPECT_EQ(get("/api/v1/questionnaire/next")["questions"].size(), 1u) << "one question by default";
  EXPECT_EQ(get("/api/v1/questionnaire/next?limit=3")["questions"].size(), 3u);
  EXPECT_EQ(get("/api/v1/questionnaire/next?nolimit=3")["questions"].size(), 1u)
      << "another parameter's name is not limit";
  EXPECT_EQ(get("/api/v1/questionnaire/next?x=1&limit=%32")["questions"].size(), 2u)
      << "percent-decoded, anywhere in the query";
  for (const char* bad : {"limit=0", "limit=21", "limit=2x", "limit=", "limit=-1"}) {
    auto res = server_->request("GET", std::string("/api/v1/questionnaire/next?") + bad, "", user_.auth());
    EXPECT_EQ(res.status, 400) << bad;
    EXPECT_NE(res.body.find("limit must be a whole number from 1 to 20"), std::string::npos) << res.body;
  }
}

TEST_F(Questionnaire, AnswersAreValidatedStrictlyPerType) {
  auto bad = [&](const std::string& key, const Json& body) {
    auto r = answer(key, body);
    EXPECT_EQ(r.status, 400) << key << " " << body.dump() << " -> " << r.body;
  };
  bad("t_q1", {{"value", "yes"}});  // boolean
  bad("t_q1", {{"value", true}, {"acceptable", {true, true}}});
  bad("t_q7", {{"value", "sometimes"}});  // not an option
  bad("t_q7", {{"value", "always"}, {"acceptable", Json::array()}});
  bad("t_q4", {{"value", {"read", "run", "paint"}}});  // more than max_selections
  bad("t_q4", {{"value", {"read", "read"}}});
  bad("t_q4", {{"value", Json::array()}});
  bad("t_q5", {{"value", 6}});    // out of range
  bad("t_q5", {{"value", 2.5}});  // off the step
  bad("t_q5", {{"value", 3}, {"acceptable", {{"min", 4}, {"max", 2}}}});
  bad("t_q6", {{"value", std::string(201, 'x')}});  // too long
  bad("t_q6", {{"value", "fine"}, {"acceptable", {"x"}}});
  bad("t_q7", {{"value", "always"}, {"importance", 11}});
  bad("t_q7", {{"value", "always"}, {"colour", "red"}});
  bad("t_q7", Json::object());
  EXPECT_EQ(answer("t_q6", {{"value", "  I love long walks.  "}}).json()["answer"]["value"], "I love long walks.");
  EXPECT_EQ(
      server_->request("PUT", "/api/v1/questionnaire/answers/" + crypto::uuid_v4(), R"({"value": 1})", user_.auth())
          .status,
      404);
  EXPECT_EQ(
      server_->request("PUT", "/api/v1/questionnaire/answers/not-a-question", R"({"value": 1})", user_.auth()).status,
      404);
}

TEST_F(Questionnaire, PremiumQuestionsNeedAPremiumPlan) {
  auto refused = answer("t_q8", {{"value", true}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["type"], "/problems/premium-required");
  EXPECT_EQ(refused.json()["feature"], "premium_questions");
  EXPECT_EQ(refused.json()["unlocked_by"], nlohmann::json::array({"premium"})) << "the problem says what unlocks it";
  for (const char* unpaid : {"past_due", "unpaid", "canceled", "refunded", "pending"}) {
    set_plan(unpaid, "2999-01-01");
    EXPECT_EQ(answer("t_q8", {{"value", true}}).status, 403) << "a premium plan that is " << unpaid << " is not paid";
  }
  set_plan("active", "2020-01-01");
  EXPECT_EQ(answer("t_q8", {{"value", true}}).status, 403) << "a plan that ended";
  set_plan("active", "2999-01-01");
  EXPECT_EQ(answer("t_q8", {{"value", true}}).status, 200);
}

// Premium answers retired while the plan had lapsed are current again once it is renewed: the
// completion that counts them also makes them the answers the engine scores (before, they stayed
// retired until the next answer, and the first matches ignored them).
TEST_F(Questionnaire, PremiumAnswersACompletionCountsAfterARenewalAreScoredAgain) {
  set_plan("active", "2999-01-01");
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{
           {"t_q8", true}, {"t_q10", 50}, {"t_q4", {"read"}}, {"t_q5", 2}, {"t_q7", "mostly"}, {"t_q12", "out"}})
    ASSERT_EQ(answer(key, {{"value", value}}).status, 200) << key;
  set_plan("canceled", "2999-01-01");
  ASSERT_EQ(answer("t_q1", {{"value", false}}).status, 200);  // the lapsed plan's view retires t_q8, t_q10
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto retired = [&] {
    return q
        .exec_params1(
            "SELECT count(*) FROM answers WHERE user_id = $1 AND question_id IN ($2, $3) "
            "AND retired_at IS NOT NULL",
            user_.user_id, id("t_q8"), id("t_q10"))[0]
        .as<int>();
  };
  ASSERT_EQ(retired(), 2);
  set_plan("active", "2999-01-01");
  auto done = server_->request("POST", "/api/v1/questionnaire/complete", "", user_.auth());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(retired(), 0) << "the answers the completion counted are current";
}

// Nothing followed a plan's lapse but the user's next answer: until then the lapsed plan's premium
// answers were still scored (the vectors, every generation) and quoted by the insights. A lapse, or
// a plan given, now retires them or makes them current again, and computes the vectors again.
TEST_F(Questionnaire, PremiumAnswersFollowAPlanThatLapsesOrIsGivenWithoutAnotherAnswer) {
  auto& app = server_->app();
  auto give = [&](const std::string& plan) {
    actor::Scope system(actor::Scope::system());
    return db::transact(app.db,
                        [&](pqxx::work& tx) { return subscriptions::grant_comp(tx, UserId(user_.user_id), plan, 30); });
  };
  ASSERT_TRUE(give("premium"));
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{{"t_q1", false},
                                                                            {"t_q8", true},
                                                                            {"t_q10", 50},
                                                                            {"t_q4", {"read"}},
                                                                            {"t_q5", 2},
                                                                            {"t_q7", "mostly"},
                                                                            {"t_q12", "out"}})
    ASSERT_EQ(answer(key, {{"value", value}}).status, 200) << key;
  ASSERT_EQ(server_->request("POST", "/api/v1/questionnaire/complete", "", user_.auth()).status, 200);
  ASSERT_TRUE(app.match_engine.run_vector_jobs(50));
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto retired = [&] {
    return q
        .exec_params1(
            "SELECT count(*) FROM answers WHERE user_id = $1 AND question_id IN ($2, $3) AND retired_at IS NOT NULL",
            user_.user_id, id("t_q8"), id("t_q10"))[0]
        .as<int>();
  };
  auto vectors = [&] {
    return q
        .exec_params1(
            "SELECT jsonb_build_array(doc->'profileVector', doc->'personalityTraits', doc->'relationshipValues', "
            "doc->'lifestyle')::text FROM user_vectors WHERE user_id = $1",
            user_.user_id)[0]
        .as<std::string>();
  };
  ASSERT_EQ(retired(), 0);
  const std::string with_premium = vectors();

  // The plan's period ends, and the worker lapses it.
  q.exec_params("UPDATE subscription_details SET end_date = now() - interval '1 minute' WHERE user_id = $1",
                user_.user_id);
  ASSERT_EQ(subscriptions::expire_lapsed(app.db, app.notifications, 3).value_or(-1), 1);
  ASSERT_TRUE(app.match_engine.run_vector_jobs(50));
  EXPECT_EQ(retired(), 2) << "the lapsed plan's premium answers are still current";
  EXPECT_NE(vectors(), with_premium) << "the vectors still score the premium answers";

  // Staff give the plan again: the answers count again, without another answer.
  ASSERT_TRUE(give("premium"));
  ASSERT_TRUE(app.match_engine.run_vector_jobs(50));
  EXPECT_EQ(retired(), 0);
  EXPECT_EQ(vectors(), with_premium);
}

TEST_F(Questionnaire, CompletionNeedsEveryRequiredVisibleQuestionThenQueuesTheVectors) {
  auto early = server_->request("POST", "/api/v1/questionnaire/complete", "", user_.auth());
  ASSERT_EQ(early.status, 409);
  EXPECT_EQ(early.json()["type"], "/problems/questionnaire-incomplete");
  EXPECT_GT(early.json()["missing"].size(), 3u);

  ASSERT_EQ(answer("t_q1", {{"value", false}}).status, 200);  // keeps t_q2 and t_q3 hidden
  ASSERT_EQ(answer("t_q4", {{"value", {"read"}}, {"acceptable", "any"}}).status, 200);
  ASSERT_EQ(answer("t_q5", {{"value", 2}}).status, 200);  // keeps t_q9 hidden
  ASSERT_EQ(answer("t_q7", {{"value", "mostly"}}).status, 200);
  ASSERT_EQ(answer("t_q12", {{"value", "out"}}).status, 200);
  auto done = server_->request("POST", "/api/v1/questionnaire/complete", "", user_.auth());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["completed"], true);

  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto doc = Json::parse(
      q.exec_params1("SELECT doc::text FROM questionnaire_responses WHERE user_id = $1 AND bank_key = 'test-bank'",
                     user_.user_id)[0]
          .as<std::string>());
  EXPECT_FALSE(doc["completedAt"].is_null());
  EXPECT_EQ(doc["progress"], 100);
  EXPECT_EQ(doc["responses"].size(), 5u);
  EXPECT_EQ(doc["metadata"]["version"], "0.1.0");
  EXPECT_TRUE(doc["metadata"].contains("startedAt"));
  EXPECT_TRUE(doc["metadata"].contains("completionTime"));
  EXPECT_EQ(doc["responses"][0]["response"]["importanceScore"], 5);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND payload->>'user_id' = $1",
                           user_.user_id)[0]
                .as<int>(),
            1);
}

TEST_F(Questionnaire, ReimportingTheBankUpdatesInPlace) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto before = q.exec1("SELECT count(*) FROM questions")[0].as<int>();
  server_->use_question_bank("test-bank.json");
  EXPECT_EQ(q.exec1("SELECT count(*) FROM questions")[0].as<int>(), before) << "no duplicates";
  EXPECT_EQ(q.exec_params1("SELECT question_id::text FROM questions WHERE question_key = 't_q1'")[0].as<std::string>(),
            id("t_q1"));
}

// A question whose options (or range) change keeps no answer it would no longer accept: before,
// an answer naming a removed option stayed current, scored by the engine and quoted by insights.
TEST_F(Questionnaire, ReimportingABankThatNarrowsAQuestionClearsTheAnswersItNoLongerAccepts) {
  auto other = test::sign_up(*server_, test::unique_email("quiz-other"));
  auto picky = test::sign_up(*server_, test::unique_email("quiz-picky"));
  auto put = [&](const test::TestUser& who, const std::string& key, const Json& body) {
    auto res = server_->request("PUT", "/api/v1/questionnaire/answers/" + id(key), body.dump(), who.auth());
    ASSERT_EQ(res.status, 200) << key << ": " << res.body;
  };
  auto answer_of = [&](const test::TestUser& who, const std::string& key) {
    auto all = server_->request("GET", "/api/v1/questionnaire", "", who.auth()).json();
    for (const auto& b : all["blocks"])
      for (const auto& q : b["questions"])
        if (q["key"] == key) return q["answer"];
    return Json("not shown");
  };
  put(user_, "t_q7", {{"value", "rarely"}});  // the option that goes
  put(user_, "t_q5", {{"value", 5}});         // off the slider's new range
  put(user_, "t_q9", {{"value", {"art"}}});   // shown only while t_q5 >= 3
  put(other, "t_q7", {{"value", "always"}, {"acceptable", {"always", "mostly"}}});
  put(other, "t_q5", {{"value", 2}});
  put(picky, "t_q7", {{"value", "always"}, {"acceptable", {"rarely"}}});  // accepts only what goes

  auto bank = Json::parse(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json"));
  auto unchanged = server_->app().questionnaire.import(bank);
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_EQ(unchanged->answers_cleared, 0) << "the same bank again clears nothing";
  auto& q7 = bank["blocks"][1]["questions"][0];
  ASSERT_EQ(q7["key"], "t_q7");
  ASSERT_EQ(q7["options"][2]["key"], "rarely");
  q7["options"].erase(2);
  auto& q5 = bank["blocks"][0]["questions"][4];
  ASSERT_EQ(q5["key"], "t_q5");
  q5["max"] = 4;
  q5["min"] = 1;
  auto counts = server_->app().questionnaire.import(bank);
  ASSERT_TRUE(counts.has_value()) << counts.error().extensions.dump();
  EXPECT_EQ(counts->answers_cleared, 3);

  EXPECT_TRUE(answer_of(user_, "t_q7").is_null()) << "asked again";
  EXPECT_TRUE(answer_of(user_, "t_q5").is_null());
  EXPECT_TRUE(answer_of(picky, "t_q7").is_null()) << "it accepted only the removed option";
  EXPECT_EQ(answer_of(other, "t_q7")["value"], "always") << "an answer that still fits stays";
  EXPECT_EQ(answer_of(other, "t_q5")["value"], 2);
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM answers WHERE question_id = $1 AND response_value = '\"rarely\"'",
                           id("t_q7"))[0]
                .as<int>(),
            0);
  EXPECT_FALSE(q.exec_params1("SELECT retired_at FROM answers WHERE user_id = $1 AND question_id = $2", user_.user_id,
                              id("t_q9"))[0]
                   .is_null())
      << "t_q9 is hidden now that t_q5 is unanswered: its answer is no longer current";
  auto doc =
      Json::parse(q.exec_params1("SELECT doc::text FROM questionnaire_responses WHERE user_id = $1", user_.user_id)[0]
                      .as<std::string>());
  for (const auto& r : doc["responses"]) EXPECT_NE(r["questionId"], id("t_q7")) << "the document follows";
}

// Each node keeps its copy of the bank for 10 s. An import on another node left this one checking
// answers against the old bank for that long, and it took an option the bank no longer had (an
// answer no one would ask again, scored against questions that changed).
TEST_F(Questionnaire, AnOptionAnotherNodeJustRemovedIsRefused) {
  ASSERT_EQ(answer("t_q7", {{"value", "always"}}).status, 200);  // this node has the bank in memory now
  auto bank = Json::parse(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json"));
  auto& q7 = bank["blocks"][1]["questions"][0];
  ASSERT_EQ(q7["key"], "t_q7");
  ASSERT_EQ(q7["options"][2]["key"], "rarely");
  q7["options"].erase(2);
  {
    auto config = test::test_config(db_);
    config.question_bank = "test-bank";
    app::App other_node(config);
    ASSERT_TRUE(other_node.questionnaire.import(bank).has_value());
    other_node.close();
  }
  auto refused = answer("t_q7", {{"value", "rarely"}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(answer("t_q7", {{"value", "mostly"}}).status, 200) << "the options it still has are taken";
}

// An import queues the vectors of the answers it cleared; a node whose copy of the bank was the one
// before (kept up to 10 s) computed them on that one, and they stayed so until the user's next change.
TEST_F(Questionnaire, VectorsAnImportQueuesAreComputedOnThatBank) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{
           {"t_q1", false}, {"t_q4", {"read"}}, {"t_q5", 2}, {"t_q7", "rarely"}, {"t_q12", "out"}})
    ASSERT_EQ(answer(key, {{"value", value}}).status, 200) << key;
  ASSERT_EQ(server_->request("POST", "/api/v1/questionnaire/complete", "", user_.auth()).status, 200);
  auto& app = server_->app();
  ASSERT_TRUE(app.match_engine.run_vector_jobs(50));  // this node holds the bank in memory now
  auto bank = Json::parse(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json"));
  auto& q7 = bank["blocks"][1]["questions"][0];
  ASSERT_EQ(q7["options"][2]["key"], "rarely");
  q7["options"].erase(2);
  bank["version"] = "edited";
  {
    auto config = test::test_config(db_);
    config.question_bank = "test-bank";
    app::App other_node(config);
    ASSERT_EQ(other_node.questionnaire.import(bank).value().answers_cleared, 1);
    other_node.close();
  }
  ASSERT_TRUE(app.match_engine.run_vector_jobs(50));
  auto conn = db_.connect();
  EXPECT_EQ(pqxx::nontransaction(conn)
                .exec_params1("SELECT doc->>'bankVersion' FROM user_vectors WHERE user_id = $1", user_.user_id)[0]
                .as<std::string>(),
            "edited")
      << "the vectors were computed on the bank before the import";
}

TEST(QuestionBankImport, EveryProblemIsReportedAndNothingIsImported) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  app::App app(config);
  Json bank = Json::parse(R"({
    "bank": "broken", "version": "1", "title": "Broken",
    "dimensions": [{"key": "openness", "group": "personality", "label": "Openness"}],
    "blocks": [{"key": "b1", "title": "B", "attribute": "personality", "questions": [
      {"key": "a", "text": "A?", "type": "essay", "importance_weight": 3},
      {"key": "b", "text": "B?", "type": "multiple_choice", "importance_weight": 3, "options": [{"key": "x", "label": "X"}]},
      {"key": "b", "text": "Dup?", "type": "boolean", "importance_weight": 3,
       "options": [{"key": "true", "label": "Yes"}, {"key": "false", "label": "No", "traits": {"charm": 0.5}}]},
      {"key": "c", "text": "C?", "type": "slider", "importance_weight": 3, "min": 0, "max": 10, "step": 3,
       "min_label": "lo", "max_label": "hi"},
      {"key": "d", "text": "D?", "type": "multiple_choice", "importance_weight": 3,
       "options": [{"key": "x", "label": "X"}, {"key": "y", "label": "Y"}],
       "branching_logic": {"show_if": {"question": "later", "equals": "x"}}},
      {"key": "e", "text": "E?", "type": "multiple_choice", "importance_weight": 3,
       "options": [{"key": "x", "label": "X"}, {"key": "y", "label": "Y"}],
       "branching_logic": {"show_if": {"question": "d", "equals": "z"}}},
      {"key": "later", "text": "L?", "type": "open_ended", "importance_weight": 3, "max_length": 50}
    ]}]})");
  auto result = app.questionnaire.import(bank);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type, "invalid-question-bank");
  std::map<std::string, std::string> by_question;
  for (const auto& e : result.error().extensions["errors"])
    by_question[e["question"]] += e["message"].get<std::string>() + "; ";
  EXPECT_NE(by_question["a"].find("unknown question type"), std::string::npos);
  EXPECT_NE(by_question["b"].find("2 to 12 options"), std::string::npos);
  EXPECT_NE(by_question["b"].find("appears twice"), std::string::npos);
  EXPECT_NE(by_question["b"].find("\"charm\" is not declared"), std::string::npos);
  EXPECT_NE(by_question["c"].find("whole number of steps"), std::string::npos);
  EXPECT_NE(by_question["d"].find("not an earlier question"), std::string::npos)
      << "a forward reference (a possible cycle)";
  EXPECT_NE(by_question["e"].find("cannot have"), std::string::npos) << "an unknown option";
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM question_banks WHERE bank_key = 'broken'")[0].as<int>(), 0)
      << "nothing imported";
  app.close();
}

TEST(QuestionBankImport, TheProductBankImportsAndMeetsItsShape) {
  test::TestDatabase db;
  app::App app(test::test_config(db));
  auto text = test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/perfect-match.json");
  auto counts = app.questionnaire.import(Json::parse(text));
  ASSERT_TRUE(counts.has_value()) << counts.error().extensions.dump(1);
  EXPECT_GE(counts->blocks, 8);
  EXPECT_GE(counts->questions, 80);
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(DISTINCT question_type) FROM questions")[0].as<int>(), 5);
  EXPECT_GE(q.exec1("SELECT count(*) FROM questions WHERE premium_only")[0].as<int>(), 10);
  EXPECT_GE(q.exec1("SELECT count(*) FROM questions WHERE branching_logic IS NOT NULL")[0].as<int>(), 10);
  app.close();
}

TEST(QuestionBankImport, AnEditedBankUpdatesChangedQuestionsInPlaceAndRetiresDroppedOnes) {
  test::TestDatabase db;
  app::App app(test::test_config(db));
  auto bank = Json::parse(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json"));
  ASSERT_TRUE(app.questionnaire.import(bank).has_value());
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  auto snapshot = [&] {
    return q
        .exec1(
            "SELECT string_agg(question_id || text || importance_weight, ',' ORDER BY question_id) FROM questions")[0]
        .as<std::string>();
  };
  auto before = snapshot();
  ASSERT_TRUE(app.questionnaire.import(bank).has_value());
  EXPECT_EQ(snapshot(), before) << "re-importing the same bank changes nothing";

  bank["blocks"][0]["questions"][0]["text"] = "Edited wording?";
  bank["blocks"][0]["questions"][0]["importance_weight"] = 9;
  auto& last_block = bank["blocks"][1]["questions"];
  last_block.erase(last_block.size() - 1);  // drop t_q12
  auto counts = app.questionnaire.import(bank);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->retired, 1);
  auto edited =
      q.exec_params1("SELECT question_id::text, text, importance_weight FROM questions WHERE question_key = 't_q1'");
  EXPECT_EQ(edited[0].as<std::string>(), crypto::uuid_v5("test-bank:t_q1")) << "same id";
  EXPECT_EQ(edited[1].as<std::string>(), "Edited wording?");
  EXPECT_EQ(edited[2].as<int>(), 9);
  EXPECT_FALSE(q.exec1("SELECT retired_at FROM questions WHERE question_key = 't_q12'")[0].is_null());
  EXPECT_EQ(q.exec1("SELECT count(*) FROM questions")[0].as<int>(), 12) << "nothing duplicated, nothing deleted";

  // A block the file no longer has goes with its questions: before, it stayed in the bank as an
  // empty block, first in everyone's questionnaire.
  const std::string dropped = bank["blocks"][1]["key"];
  Json another = bank["blocks"][1];
  bank["blocks"].erase(1);
  ASSERT_TRUE(app.questionnaire.import(bank).has_value());
  auto loaded = [&] {
    auto reader = db.connect();
    pqxx::work tx(reader);
    return questionnaire::repository::load_bank(tx, "test-bank");
  };
  auto blocks_loaded = [&] {
    auto bank = loaded();
    return bank ? bank->blocks.size() : 0u;
  };
  ASSERT_EQ(blocks_loaded(), 1u);
  EXPECT_NE(loaded()->blocks[0].key, dropped);

  // Another block in the dropped one's place, then dropped too: set aside, it took the same
  // negative display order as the first (unique across all blocks), and the import failed.
  another["key"] = "another_block";
  for (auto& question : another["questions"]) question["key"] = question["key"].get<std::string>() + "_again";
  bank["blocks"].push_back(another);
  ASSERT_TRUE(app.questionnaire.import(bank).has_value());
  EXPECT_EQ(blocks_loaded(), 2u);
  bank["blocks"].erase(1);
  auto again = app.questionnaire.import(bank);
  ASSERT_TRUE(again.has_value()) << again.error().detail;
  EXPECT_EQ(blocks_loaded(), 1u);
  app.close();
}

TEST(QuestionBankImport, AChoiceQuestionWithoutOptionsIsReported) {
  test::TestDatabase db;
  app::App app(test::test_config(db));
  auto bank = Json::parse(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json"));
  bank["blocks"][1]["questions"][0].erase("options");
  bank["blocks"][1]["questions"][2]["max_selections"] = 9;
  auto result = app.questionnaire.import(bank);
  ASSERT_FALSE(result.has_value());
  std::string all = result.error().extensions["errors"].dump();
  EXPECT_NE(all.find("\"question\":\"t_q7\""), std::string::npos) << all;
  EXPECT_NE(all.find("needs \\\"options\\\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"question\":\"t_q9\""), std::string::npos) << all;
  app.close();
}

TEST(QuestionnaireWalk, AUserWalksTheWholeProductBankAndCompletesIt) {
  test::TestDatabase db;
  test::TestServer server(test::test_config(db));  // serves "perfect-match"
  server.use_question_bank("perfect-match.json");
  auto user = test::sign_up(server, test::unique_email("walker"));
  int answered = 0, last_percent = 0;
  for (int guard = 0; guard < 200; ++guard) {
    auto next = server.request("GET", "/api/v1/questionnaire/next?limit=1", "", user.auth()).json();
    if (next["questions"].empty()) break;
    const auto& q = next["questions"][0];
    Json value;
    std::string type = q["type"];
    if (type == "multiple_choice")
      value = q["options"][answered % q["options"].size()]["key"];
    else if (type == "multiple_select") {
      value = Json::array();
      for (int i = 0; i < q["min_selections"].get<int>(); ++i) value.push_back(q["options"][i]["key"]);
    } else if (type == "boolean")
      value = answered % 2 == 0;
    else if (type == "slider")
      value = q["slider"]["max"];
    else
      value = "An honest answer.";
    auto res = server.request("PUT", "/api/v1/questionnaire/answers/" + q["question_id"].get<std::string>(),
                              Json{{"value", value}, {"importance", 6}}.dump(), user.auth());
    ASSERT_EQ(res.status, 200) << q.dump() << " -> " << res.body;
    last_percent = res.json()["progress"]["percent"];
    ++answered;
  }
  EXPECT_GE(answered, 50) << "most of the free questions were asked";
  EXPECT_EQ(last_percent, 100) << "the last answer brought progress to 100";
  auto progress = server.request("GET", "/api/v1/questionnaire/progress", "", user.auth()).json();
  EXPECT_EQ(progress["percent"], 100);
  EXPECT_EQ(progress["answered"], progress["total"]);
  auto done = server.request("POST", "/api/v1/questionnaire/complete", "", user.auth());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["completed"], true);
}
