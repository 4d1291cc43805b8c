// Outcomes (docs/outcomes.md) over real HTTP on the real stores: every like, pass, mutual match,
// unmatch, first message and reply leaves its row, with the ranking that showed the match, in the
// decision's transaction; a second message writes nothing; a late answer is no reply; a rewind
// marks the pass; deleting an account removes its outcomes both ways; the export holds one's own
// decisions only; the training read pages through them in time order.

#include <thread>

#include <gtest/gtest.h>

#include "outcomes/service.hpp"
#include "support/matching_api.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

struct Row {
  std::string decided_by, about, kind, match_id, ranking;
  bool rewound = false;
};

class Outcomes : public test::AnaAndBen {
 protected:
  // The pair's outcomes, oldest first.
  std::vector<Row> rows(const std::string& match_id = "") {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    std::vector<Row> out;
    for (const auto& r : tx.exec_params(
             "SELECT decided_by::text, about_user::text, kind, match_id::text, ranking, rewound_at IS NOT NULL "
             "FROM match_outcomes WHERE match_id = $1 ORDER BY outcome_id",
             match_id.empty() ? match_ : match_id))
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                     r[4].as<std::string>(), r[5].as<bool>()});
    return out;
  }
  void sql(const std::string& statement, const std::string& param) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params(statement, param);
    tx.commit();
  }
  test::HttpResult say(const Person& p, const std::string& conversation, const std::string& client_id) {
    return server_->request("POST", "/api/v1/conversations/" + conversation + "/messages",
                            Json{{"client_message_id", client_id}, {"content", "Hello " + client_id}}.dump(),
                            p.user.auth());
  }
};

}  // namespace

TEST_F(Outcomes, ALikeAndAMutualMatchAreRecordedWithTheRankingThatShowedTheMatch) {
  ASSERT_FALSE(match_.empty());
  EXPECT_EQ(count("SELECT count(*) FROM matches WHERE match_id = $1 AND ranking = 'questionnaire-v1'", match_), 1)
      << "generation records the ranking that placed the match";
  sql("UPDATE matches SET ranking = 'reciprocal-test-7' WHERE match_id = $1", match_);

  ASSERT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/like").status, 200);
  ASSERT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/like").status, 200);  // again: nothing new
  auto r = rows();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, "like");
  EXPECT_EQ(r[0].decided_by, ana_.user.user_id);
  EXPECT_EQ(r[0].about, ben_.user.user_id);
  EXPECT_EQ(r[0].ranking, "reciprocal-test-7");

  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/like").status, 200);
  r = rows();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].kind, "like");
  EXPECT_EQ(r[1].decided_by, ben_.user.user_id);
  EXPECT_EQ(r[2].kind, "match");
  EXPECT_EQ(r[2].decided_by, ben_.user.user_id) << "the like that made it mutual";
  EXPECT_EQ(r[2].about, ana_.user.user_id);
  EXPECT_EQ(r[2].ranking, "reciprocal-test-7");
}

TEST_F(Outcomes, APassIsRecordedAndARewindMarksItWithoutErasingIt) {
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/pass").status, 200);
  auto r = rows();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, "pass");
  EXPECT_EQ(r[0].decided_by, ben_.user.user_id);
  EXPECT_EQ(r[0].about, ana_.user.user_id);
  EXPECT_EQ(r[0].ranking, "questionnaire-v1");
  EXPECT_FALSE(r[0].rewound);

  make_premium(ben_);
  auto rewound = post(ben_, "/api/v1/matches/rewind");
  ASSERT_EQ(rewound.status, 200) << rewound.body;
  r = rows();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].rewound) << "the pass stays, marked";
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/like").status, 200);
  r = rows();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].kind, "like");
}

TEST_F(Outcomes, FirstMessagesAndAReplyAreRecordedOnceAndLaterMessagesWriteNothing) {
  const std::string conversation = both_like();
  ASSERT_FALSE(conversation.empty());
  ASSERT_EQ(say(ana_, conversation, "a-1").status, 201);
  ASSERT_EQ(say(ana_, conversation, "a-2").status, 201);
  ASSERT_EQ(say(ana_, conversation, "a-1").status, 200) << "a retry";
  auto r = rows();
  ASSERT_EQ(r.size(), 4u);  // like, like, match, first_message
  EXPECT_EQ(r[3].kind, "first_message");
  EXPECT_EQ(r[3].decided_by, ana_.user.user_id);
  EXPECT_EQ(r[3].about, ben_.user.user_id);
  EXPECT_EQ(r[3].ranking, "questionnaire-v1");

  ASSERT_EQ(say(ben_, conversation, "b-1").status, 201);
  ASSERT_EQ(say(ben_, conversation, "b-2").status, 201);
  ASSERT_EQ(say(ana_, conversation, "a-3").status, 201);
  r = rows();
  ASSERT_EQ(r.size(), 5u) << "only each side's first message writes a row";
  EXPECT_EQ(r[4].kind, "reply");
  EXPECT_EQ(r[4].decided_by, ben_.user.user_id);
  EXPECT_EQ(r[4].about, ana_.user.user_id);
}

TEST_F(Outcomes, AnAnswerAfterTheReplyWindowIsAFirstMessageNotAReply) {
  const std::string conversation = both_like();
  ASSERT_EQ(say(ana_, conversation, "a-1").status, 201);
  // Ana wrote a day more than the window ago (PM_REPLY_WINDOW_DAYS); Ben has not written (NULL stays).
  const std::string back = "make_interval(days => " + std::to_string(config_.reply_window_days + 1) + ")";
  sql("UPDATE conversations SET user_1_first_message_at = user_1_first_message_at - " + back +
          ", user_2_first_message_at = user_2_first_message_at - " + back + " WHERE conversation_id = $1",
      conversation);
  ASSERT_EQ(say(ben_, conversation, "b-1").status, 201);
  auto r = rows();
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[4].kind, "first_message");
  EXPECT_EQ(r[4].decided_by, ben_.user.user_id);
}

TEST_F(Outcomes, AnUnmatchIsRecordedAndKeepsWhatCameBefore) {
  const std::string conversation = both_like();
  ASSERT_EQ(say(ana_, conversation, "a-1").status, 201);
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/unmatch").status, 200);
  auto r = rows();
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[4].kind, "unmatch");
  EXPECT_EQ(r[4].decided_by, ben_.user.user_id);
  EXPECT_EQ(r[4].about, ana_.user.user_id);
}

TEST_F(Outcomes, TheExportHoldsOnesOwnDecisionsOnlyAndDeletingAnAccountRemovesThemBothWays) {
  Person cleo = person("Cleo", "woman", "man", 52.50, 13.41);
  const std::string other = match_between(cleo, ben_);
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/like").status, 200);  // Ben likes Ana
  ASSERT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/pass").status, 200);  // Ana passes on Ben
  ASSERT_EQ(post(cleo, "/api/v1/matches/" + other + "/like").status, 200);   // Cleo likes Ben

  auto exported = get(ana_, "/api/v1/me/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  const Json decisions = exported.json()["decisions"];
  ASSERT_EQ(decisions.size(), 1u) << decisions.dump();
  EXPECT_EQ(decisions[0]["kind"], "pass");
  EXPECT_EQ(decisions[0]["about_user"], ben_.user.user_id);
  EXPECT_EQ(exported.body.find("\"like\""), std::string::npos) << "how Ben decided about Ana is not hers";

  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ben_.user.auth()).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM match_outcomes WHERE decided_by = $1 OR about_user = $1", ben_.user.user_id),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM match_outcomes WHERE decided_by = $1", ana_.user.user_id), 0)
      << "Ana's pass was about Ben";
}

// Two likes of one match at once (a double tap): one like, one outcome row, one notification for
// the other. Before, both read the match unliked and both counted as the first like.
TEST_F(Outcomes, TwoLikesAtOnceCountOnce) {
  db_.slow_down("matches", "BEFORE UPDATE", 0.4);  // the second like reads while the first writes
  int first = 0, second = 0;
  std::thread a([&] { first = post(ana_, "/api/v1/matches/" + match_ + "/like").status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::thread b([&] { second = post(ana_, "/api/v1/matches/" + match_ + "/like").status; });
  a.join();
  b.join();
  EXPECT_EQ(first, 200);
  EXPECT_EQ(second, 200);
  EXPECT_EQ(count("SELECT count(*) FROM match_outcomes WHERE match_id = $1 AND kind = 'like'", match_), 1);
  EXPECT_EQ(
      count("SELECT count(*) FROM notifications WHERE type = 'like.received' AND user_id = $1", ben_.user.user_id), 1);
}

// Who liked you is a paid feature: the export must not tell a free user what the app does not.
TEST_F(Outcomes, TheExportShowsEachMatchAsItsPersonSeesIt) {
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/like").status, 200);  // Ben likes Ana

  auto ana = get(ana_, "/api/v1/me/export");
  ASSERT_EQ(ana.status, 200) << ana.body;
  const Json rows = ana.json()["matches"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["match_id"], match_);
  EXPECT_EQ(rows[0]["other_user_id"], ben_.user.user_id);
  EXPECT_EQ(rows[0]["you_liked"], false);
  EXPECT_EQ(rows[0]["status"], "pending");
  // updated_at too: on a pending match only a like (or its rewind) moves it past created_at.
  for (const char* leak : {"user_1_liked", "user_2_liked", "passed_by", "updated_at"})
    EXPECT_FALSE(rows[0].contains(leak)) << leak << " tells Ana how Ben decided: " << rows[0].dump();
  ASSERT_TRUE(rows[0]["score_details"].contains("score")) << rows[0].dump();
  EXPECT_FALSE(rows[0]["score_details"].contains("satisfaction"))
      << "how well her answers meet Ben's private preferences is his rating of her, which the app never shows";

  auto ben = get(ben_, "/api/v1/me/export");
  ASSERT_EQ(ben.status, 200) << ben.body;
  EXPECT_EQ(ben.json()["matches"][0]["you_liked"], true);
  ASSERT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/pass").status, 200);
  EXPECT_TRUE(get(ben_, "/api/v1/me/export").json()["matches"][0]["you_passed_at"].is_null()) << "Ana's pass is hers";
  EXPECT_TRUE(get(ana_, "/api/v1/me/export").json()["matches"][0]["you_passed_at"].is_string());
}

TEST_F(Outcomes, TrainingReadsEveryOutcomeInTimeOrderPageByPage) {
  Person cleo = person("Cleo", "woman", "man", 52.50, 13.41);
  const std::string other = match_between(cleo, ben_);
  ASSERT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/like").status, 200);
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/like").status, 200);
  ASSERT_EQ(post(cleo, "/api/v1/matches/" + other + "/pass").status, 200);

  std::vector<outcomes::Outcome> read;
  int pages = 0;
  auto total = outcomes::read_for_training(server_->app().db, {.page_size = 2}, [&](const auto& page) {
    ++pages;
    read.insert(read.end(), page.begin(), page.end());
    return true;
  });
  ASSERT_TRUE(total) << total.error().detail;
  EXPECT_EQ(*total, 4);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(read.size(), 4u);
  for (std::size_t i = 1; i < read.size(); ++i)
    EXPECT_LT(std::pair(read[i - 1].decided_at, read[i - 1].outcome_id),
              std::pair(read[i].decided_at, read[i].outcome_id));
  EXPECT_EQ(read[3].kind, outcomes::Kind::pass);
  EXPECT_EQ(read[3].decided_by, cleo.user.id());
  EXPECT_EQ(read[3].ranking, "questionnaire-v1");
  // A bound in the past reads nothing newer.
  auto none = outcomes::read_for_training(server_->app().db, {.until = "2000-01-01T00:00:00Z"},
                                          [&](const auto&) { return true; });
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}
