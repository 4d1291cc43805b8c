// `perfectmatch seed` (src/demo): demo users against the product question bank on a real
// database: encrypted emails that sign in, valid profiles and preferences, answers that follow
// branching and premium rules and pass the API's own validation, duplicate answer sets,
// idempotence, determinism, and placeholder photos through the real photo path.

#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "auth/model.hpp"
#include "core/progress.hpp"
#include "core/time.hpp"
#include "core/vocabulary.hpp"
#include "db/transaction.hpp"
#include "demo/person.hpp"
#include "demo/seeder.hpp"
#include "questionnaire/answer_input.hpp"
#include "questionnaire/repository.hpp"
#include "questionnaire/view.hpp"
#include "support/accounts.hpp"
#include "support/fixtures.hpp"
#include "support/stack.hpp"

using namespace pm;
using Json = nlohmann::json;

namespace {

// An App on a database of its own with the product bank imported.
struct Stack {
  explicit Stack(bool import_bank = true) : app(config_for(db)) {
    if (!import_bank) return;
    auto doc = parse_json(test::read_file(std::string(PM_SOURCE_DIR) + "/data/questions/perfect-match.json"));
    EXPECT_TRUE(doc.has_value());
    auto imported = app.questionnaire.import(*doc);
    EXPECT_TRUE(imported.has_value()) << imported.error().detail;
  }
  ~Stack() { app.close(); }

  static Config config_for(const test::TestDatabase& db) {
    auto config = test::test_config(db);
    config.question_bank = "perfect-match";
    config.learn_min_outcomes = 10;  // the history of a few dozen people is enough to train on
    return config;
  }

  Result<demo::SeedReport> seed(int users, std::uint64_t seed = 42, bool photos = false) {
    return demo::seed_users({.db = app.db,
                             .cipher = app.cipher,
                             .email_index = app.email_index,
                             .hasher = app.hasher,
                             .photos = app.photos,
                             .bank_key = "perfect-match",
                             .account_created = app.account_created},
                            {.users = users, .seed = seed, .photos = photos, .batch_size = 25});
  }

  std::string user_id(int number) {
    auto conn = db.connect();
    pqxx::nontransaction q(conn);
    auto r =
        q.exec_params("SELECT user_id FROM users WHERE email_index = $1", app.email_index(demo::demo_email(number)));
    return r.empty() ? "" : r[0][0].as<std::string>();
  }

  // The user's answers: question id -> {value, acceptable, importance}.
  std::map<std::string, Json> answers(const std::string& user_id) {
    auto rows = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::map<std::string, questionnaire::StoredAnswer>> {
      return questionnaire::repository::load_answers(tx, UserId(user_id), "perfect-match");
    });
    EXPECT_TRUE(rows.has_value());
    std::map<std::string, Json> out;
    for (const auto& [id, a] : *rows)
      out[id] = {{"value", a.value}, {"acceptable", a.acceptable}, {"importance", a.importance}};
    return out;
  }

  test::TestDatabase db;
  app::App app;
};

}  // namespace

TEST(SeedDemo, MakesValidRealisticUsersAndSkipsThemOnASecondRun) {
  Stack s;
  auto report = s.seed(60);
  ASSERT_TRUE(report.has_value()) << report.error().detail;
  EXPECT_EQ(report->created, 60);
  EXPECT_EQ(report->existing, 0);
  EXPECT_GT(report->clones, 0) << "about one in ten clones an earlier user's answers";

  auto conn = s.db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM users")[0].as<int>(), 60);

  // Accounts: encrypted email (no clear address stored), verified, and the demo password works.
  for (int n = 1; n <= 60; ++n) {
    auto email = demo::demo_email(n);
    auto row = q.exec_params1("SELECT user_id, email, email_verified_at IS NOT NULL FROM users WHERE email_index = $1",
                              s.app.email_index(email));
    auto stored = row[1].as<std::string>();
    EXPECT_EQ(stored.find('@'), std::string::npos) << "stored in clear: " << stored;
    EXPECT_TRUE(stored.starts_with("pm1.")) << stored;
    EXPECT_TRUE(row[2].as<bool>()) << email;
    auto signed_in = s.app.auth.login({.email = email, .password = std::string(demo::kDemoPassword)},
                                      {.ip = test::unique_client_ip(), .user_agent = "seed-test"});
    ASSERT_TRUE(signed_in.has_value()) << email << ": " << signed_in.error().detail;
    EXPECT_EQ(signed_in->account.email, email);
    EXPECT_EQ(signed_in->account.user_id.str(), row[0].as<std::string>());
  }

  // Profiles and preferences: adults, documented values, complete, sensible ranges.
  for (const auto& r : q.exec("SELECT date_part('year', age(u.birth_date))::int, u.gender, u.seeking_gender, "
                              "u.profile_visibility, u.profile_completed, "
                              "  u.location, u.location_point IS NOT NULL, length(u.bio), p.min_age, p.max_age, "
                              "p.max_distance, u.first_name "
                              "FROM users u JOIN user_preferences p USING (user_id)")) {
    int age = r[0].as<int>();
    EXPECT_GE(age, 18);
    EXPECT_LE(age, 70);
    EXPECT_TRUE(one_of(kGenders, r[1].as<std::string>())) << r[1].as<std::string>();
    EXPECT_TRUE(one_of(kSeeking, r[2].as<std::string>())) << r[2].as<std::string>();
    EXPECT_TRUE(one_of(kVisibility, r[3].as<std::string>())) << r[3].as<std::string>();
    EXPECT_TRUE(r[4].as<bool>()) << "profile_completed";
    EXPECT_FALSE(r[5].as<std::string>().empty());
    EXPECT_TRUE(r[6].as<bool>()) << "location point";
    EXPECT_GT(r[7].as<int>(), 20) << "bio";
    int min_age = r[8].as<int>(), max_age = r[9].as<int>();
    EXPECT_GE(min_age, 18);
    EXPECT_LE(max_age, 99);
    EXPECT_LE(min_age, max_age);
    EXPECT_LE(min_age, age);
    EXPECT_GE(max_age, age);
    EXPECT_GT(r[10].as<int>(), 0);
    EXPECT_FALSE(r[11].as<std::string>().empty());
  }
  // A plausible mix, even among 60.
  EXPECT_GE(q.exec1("SELECT count(DISTINCT gender) FROM users")[0].as<int>(), 2);
  EXPECT_GE(q.exec1("SELECT count(DISTINCT location) FROM users")[0].as<int>(), 5);
  int premium =
      q.exec1(
           "SELECT count(*) FROM subscription_details WHERE plan_type = 'premium' AND payment_status = 'active' "
           "AND end_date > now() + interval '360 days'")[0]
          .as<int>();
  EXPECT_EQ(premium, report->premium);
  EXPECT_GT(premium, 0);
  EXPECT_LT(premium, 30);

  // Answers: only shown questions, premium ones only for premium users, each valid for the API,
  // every required question answered, and the response document complete.
  auto bank = db::transact(s.app.db, [&](pqxx::work& tx) -> Result<std::optional<questionnaire::Bank>> {
    return questionnaire::repository::load_bank(tx, "perfect-match");
  });
  ASSERT_TRUE(bank.has_value() && bank->has_value());
  const auto& b = **bank;
  std::map<std::string, int> answer_sets;  // canonical answers -> how many users have them
  int premium_answers = 0;
  for (int n = 1; n <= 60; ++n) {
    auto id = s.user_id(n);
    auto checked = db::transact(s.app.db, [&](pqxx::work& tx) -> Result<Json> {
      auto stored = questionnaire::repository::load_answers(tx, UserId(id), "perfect-match");
      bool is_premium = questionnaire::repository::is_premium(tx, UserId(id));
      auto view = questionnaire::view_of(b, stored, is_premium);
      for (const auto& [qid, a] : stored) {
        const auto* question = b.question_by_id(qid);
        EXPECT_NE(question, nullptr);
        if (!question) continue;
        EXPECT_TRUE(view.visible_ids.count(qid)) << "demo" << n << " answered hidden or locked " << question->key;
        EXPECT_FALSE(a.retired);
        if (question->premium_only) {
          EXPECT_TRUE(is_premium) << "demo" << n << " answered premium " << question->key;
          ++premium_answers;
        }
        Json body = {{"value", a.value}, {"acceptable", a.acceptable}, {"importance", a.importance}};
        auto parsed = questionnaire::parse_answer(*question, body);
        EXPECT_TRUE(parsed.has_value()) << "demo" << n << " " << question->key << " " << body.dump() << ": "
                                        << (parsed ? "" : parsed.error().extensions.dump());
      }
      for (const auto* question : view.visible) {
        if (!question->required) continue;
        EXPECT_TRUE(stored.count(question->id)) << "demo" << n << " left " << question->key;
      }
      return questionnaire::repository::load_response(tx, UserId(id), "perfect-match");
    });
    ASSERT_TRUE(checked.has_value());
    const Json& doc = *checked;
    EXPECT_EQ(doc["progress"], 100);
    EXPECT_TRUE(doc["completedAt"].is_string());
    EXPECT_EQ(doc["metadata"]["version"], b.version);
    EXPECT_TRUE(doc["metadata"]["startedAt"].is_string());
    EXPECT_GT(doc["metadata"]["completionTime"].get<long long>(), 0);
    EXPECT_EQ(doc["responses"].size() + doc["openEndedResponses"].size(), s.answers(id).size());

    std::string canonical;
    for (const auto& [qid, a] : s.answers(id)) canonical += qid + a.dump() + ";";
    ++answer_sets[canonical];
  }
  EXPECT_GT(premium_answers, 0) << "premium users answer premium questions";
  int duplicated = 0;
  for (const auto& [set, count] : answer_sets) duplicated += count > 1;
  EXPECT_GT(duplicated, 0) << "some users share identical answer sets";
  EXPECT_GT(answer_sets.size(), 40u) << "but most answer sets are their own";

  auto again = s.seed(60);
  ASSERT_TRUE(again.has_value()) << again.error().detail;
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->existing, 60);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM users")[0].as<int>(), 60);

  auto more = s.seed(65);
  ASSERT_TRUE(more.has_value()) << more.error().detail;
  EXPECT_EQ(more->created, 5) << "a larger --users adds only the missing ones";
}

TEST(SeedDemo, WritesTheSimulatedHistoryAsMatchesAndOutcomesAModelTrainsOn) {
  Stack s;
  ASSERT_TRUE(s.seed(200).has_value());
  auto seeder = demo::Seeder::open({.db = s.app.db,
                                    .cipher = s.app.cipher,
                                    .email_index = s.app.email_index,
                                    .hasher = s.app.hasher,
                                    .photos = s.app.photos,
                                    .bank_key = "perfect-match",
                                    .account_created = s.app.account_created});
  ASSERT_TRUE(seeder.has_value()) << seeder.error().detail;
  const demo::SeedOptions options{.users = 200, .seed = 42, .photos = false, .history_pairs_per_user = 10};
  auto history = seeder->history(options);
  ASSERT_TRUE(history.has_value()) << history.error().detail;
  EXPECT_GT(history->matches, 10);
  EXPECT_GT(history->outcomes, history->matches);

  auto conn = s.db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM match_outcomes")[0].as<int>(), history->outcomes);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), history->matches);
  EXPECT_GT(q.exec1("SELECT count(*) FROM match_outcomes WHERE kind = 'like'")[0].as<int>(), 0);
  EXPECT_GT(q.exec1("SELECT count(*) FROM match_outcomes WHERE kind = 'pass'")[0].as<int>(), 0);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM match_outcomes WHERE decided_at > now()")[0].as<int>(), 0);
  // Each match's state follows its outcomes: a pass rejects it, two likes make it active.
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE status <> 'rejected' AND EXISTS "
                    "(SELECT 1 FROM match_outcomes o WHERE o.match_id = m.match_id AND o.kind = 'pass')")[0]
                .as<int>(),
            0);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE (status = 'active') <> EXISTS "
                    "(SELECT 1 FROM match_outcomes o WHERE o.match_id = m.match_id AND o.kind = 'match')")[0]
                .as<int>(),
            0);
  // And an active match has its conversation, as a mutual like opens one: the pair can write.
  EXPECT_GT(q.exec1("SELECT count(*) FROM matches WHERE status = 'active'")[0].as<int>(), 0);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE (status = 'active') <> EXISTS "
                    "(SELECT 1 FROM conversations c WHERE c.match_id = m.match_id)")[0]
                .as<int>(),
            0);

  // A demo stack has a model to train.
  auto learned = s.app.learner.learn();
  ASSERT_TRUE(learned.has_value()) << learned.error().detail;
  EXPECT_TRUE(learned->version.has_value()) << learned->to_json().dump();

  auto again = seeder->history(options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->matches, 0) << "a second run adds nothing";
}

TEST(SeedDemo, TheSameSeedGivesTheSameAnswersOnAFreshDatabase) {
  std::map<std::string, Json> first, second, other;
  {
    Stack s;
    ASSERT_TRUE(s.seed(3).has_value());
    first = s.answers(s.user_id(1));
  }
  {
    Stack s;
    ASSERT_TRUE(s.seed(3).has_value());
    second = s.answers(s.user_id(1));
  }
  {
    Stack s;
    ASSERT_TRUE(s.seed(3, 7).has_value());
    other = s.answers(s.user_id(1));
  }
  ASSERT_GT(first.size(), 40u);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other) << "another seed, other people";
}

TEST(SeedDemo, RefusesWithoutTheQuestionBank) {
  Stack s(/*import_bank=*/false);
  auto report = s.seed(5);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().type, "question-bank-missing");
  EXPECT_NE(report.error().detail.find("questions import"), std::string::npos) << report.error().detail;
  auto conn = s.db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM users")[0].as<int>(), 0);
}

TEST(SeedDemo, UploadsPlaceholderPhotosThroughThePhotoPath) {
  Stack s;
  const auto today = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(Clock::now())};
  int expected = 0;
  for (int n = 1; n <= 3; ++n) expected += demo::make_person(42, n, today).photos;
  ASSERT_GT(expected, 0) << "seed 42 gives these three users photos; pick another seed if the generator changed";

  auto report = s.seed(3, 42, /*photos=*/true);
  ASSERT_TRUE(report.has_value()) << report.error().detail;
  EXPECT_EQ(report->photos, expected);
  auto conn = s.db.connect();
  pqxx::nontransaction q(conn);
  auto rows = q.exec("SELECT url, thumbnail_url, width, height FROM profile_media");
  ASSERT_EQ(static_cast<int>(rows.size()), expected);
  for (const auto& r : rows) {
    EXPECT_EQ(r[2].as<int>(), 600);
    EXPECT_EQ(r[3].as<int>(), 800);
    for (int col : {0, 1}) {
      auto key = r[col].as<std::string>();
      auto exists = s.app.media_store->exists(key);
      ASSERT_TRUE(exists.has_value()) << key;
      EXPECT_TRUE(*exists) << key;
      auto bytes = s.app.media_store->get(key);
      ASSERT_TRUE(bytes.has_value());
      EXPECT_TRUE(bytes->starts_with("\xFF\xD8\xFF")) << "a JPEG";
    }
  }
}

// The progress bar the command draws, as a log sees it (not a terminal): a line per 10%.
TEST(SeedProgress, PrintsALinePerTenPercentWhenNotATerminal) {
  std::ostringstream out;
  {
    ProgressBar bar("seeding users", 200, {.out = &out, .tty = false});
    for (int i = 0; i < 200; ++i) bar.advance();
  }
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 10u) << out.str();  // 10%..90%, then the final line
  EXPECT_NE(lines[0].find("seeding users: 20/200   10%"), std::string::npos) << lines[0];
  EXPECT_NE(lines.back().find("200/200  100%"), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find(" in "), std::string::npos) << lines.back();
  EXPECT_EQ(format_duration(std::chrono::seconds(185)), "3m05s");
}
