// Issue 5's "done when", as `./pm run` does it: demo users seeded against the product bank,
// `matches generate --all`, then every generated pair satisfies the hard filters both ways (in
// SQL), and a demo user signs in and sees matches whose attributes name questions both answered.

#include <gtest/gtest.h>

#include "demo/person.hpp"
#include "demo/seeder.hpp"
#include "support/fixtures.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;

TEST(SeededMatching, DemoUsersGetMatchesThatPassTheFiltersAndNameWhatTheyAnswered) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.question_bank = "perfect-match";
  test::TestServer server(config);
  server.use_question_bank("perfect-match.json");
  auto& app = server.app();
  auto seeded = demo::seed_users({.db = app.db,
                                  .cipher = app.cipher,
                                  .email_index = app.email_index,
                                  .hasher = app.hasher,
                                  .photos = app.photos,
                                  .bank_key = "perfect-match",
                                  .account_created = app.account_created},
                                 {.users = 400, .seed = 42, .photos = false});
  ASSERT_TRUE(seeded) << seeded.error().detail;

  auto run = test::run_command(test::process_env(config) + test::binary_path() + " matches generate --all");
  ASSERT_EQ(run.exit_code, 0) << run.output;

  auto conn = db.connect();
  EXPECT_EQ(test::hard_filter_violations(conn), std::vector<std::string>{});
  pqxx::nontransaction q(conn);
  EXPECT_GT(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), 400) << "a demo crowd finds matches";
  // Each with its six attributes (their rows are written when the match is first opened).
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE coalesce(jsonb_array_length(m.score_details->'attributes'), "
                    "0) <> 6")[0]
                .as<int>(),
            0);

  // The demo user with the most matches signs in with the documented password and sees them.
  auto best = q.exec1(
                   "SELECT u.user_id FROM users u ORDER BY (SELECT count(*) FROM matches m WHERE u.user_id IN "
                   "(m.user_id_1, m.user_id_2)) DESC, "
                   "u.user_id LIMIT 1")[0]
                  .as<std::string>();
  int number = 0;
  for (int n = 1; n <= 400 && !number; ++n)
    if (q.exec_params("SELECT 1 FROM users WHERE user_id = $1 AND email_index = $2", best,
                      app.email_index(demo::demo_email(n)))
            .size())
      number = n;
  ASSERT_GT(number, 0);
  auto login =
      server.request("POST", "/api/v1/auth/login",
                     Json{{"email", demo::demo_email(number)}, {"password", std::string(demo::kDemoPassword)}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  test::Headers auth = {{"Authorization", "Bearer " + login.json()["token"].get<std::string>()}};
  auto list = server.request("GET", "/api/v1/matches?limit=5", "", auth);
  ASSERT_EQ(list.status, 200) << list.body;
  const Json page = list.json();
  ASSERT_FALSE(page["matches"].empty());
  const Json first = page["matches"][0];
  auto detail = server.request("GET", "/api/v1/matches/" + first["match_id"].get<std::string>(), "", auth).json();
  ASSERT_EQ(detail["attributes"].size(), 6u);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM match_attributes WHERE match_id = $1",
                           first["match_id"].get<std::string>())[0]
                .as<int>(),
            6);

  // Each attribute is a sentence about the two, from a question both answered (the unit tests
  // trace each to its question: insights_test.cpp), never the question's text.
  int told = 0;
  for (const auto& a : detail["attributes"]) {
    const std::string description = a["description"];
    if (description.find("have not both answered") == std::string::npos) ++told;
    for (const auto& row : q.exec("SELECT text FROM questions q JOIN question_blocks b USING (block_id) "
                                  "WHERE b.bank_key = 'perfect-match'"))
      EXPECT_EQ(description.find(row[0].as<std::string>()), std::string::npos) << description << " quotes a question";
  }
  EXPECT_GE(told, 4) << detail["attributes"].dump();
}
