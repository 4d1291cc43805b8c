// The matching engine's background paths: the worker recomputes vectors after a completed user
// changes an answer and regenerates their matches; `matches generate --all` is idempotent and
// resumes; the binary's `worker --once` drains its work and stops.

#include <gtest/gtest.h>

#include "core/actor.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "matching/repository.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;
using MatchingWorker = test::MatchingApi;

TEST_F(MatchingWorker, AChangedAnswerRecomputesTheVectorsAndRegeneratesMatches) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto before =
      count("SELECT extract(epoch FROM updated_at)::int FROM user_vectors WHERE user_id = $1", ana.user.user_id);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  // Ana's vectors move with her answers: a job is queued, the worker computes them, then regenerates.
  answer(ana, "t_q12", {{"value", "out"}, {"importance", 9}});
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND status = 'pending' AND "
                  "payload->>'user_id' = $1",
                  ana.user.user_id),
            1);
  auto& engine = server_->app().match_engine;
  auto jobs = engine.run_vector_jobs(10);
  ASSERT_TRUE(jobs) << jobs.error().detail;
  EXPECT_GE(*jobs, 1);
  EXPECT_EQ(
      count("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND status = 'done' AND payload->>'user_id' = $1",
            ana.user.user_id),
      2)
      << "the completion's job and the change's";
  EXPECT_GE(count("SELECT extract(epoch FROM updated_at)::int FROM user_vectors WHERE user_id = $1", ana.user.user_id),
            before);
  EXPECT_EQ(count("SELECT count(*) FROM match_generation_queue WHERE user_id = $1", ana.user.user_id), 1);
  {  // Ben's completion already matched them: start over, so only the regeneration can make it.
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("DELETE FROM matches");
    tx.commit();
  }
  auto regenerated = engine.run_generation_queue(10);
  ASSERT_TRUE(regenerated) << regenerated.error().detail;
  EXPECT_EQ(count("SELECT count(*) FROM match_generation_queue WHERE user_id = $1", ana.user.user_id), 0);
  EXPECT_FALSE(match_between(ana, ben).empty());
}

// A moment's outage on our side lost the worker's work: a vectors job spent its five attempts in
// minutes and failed for good (the user never became a candidate until their next change), and a
// failed regeneration dropped its user, and the rest of the batch, from the queue.
TEST_F(MatchingWorker, AnOutageKeepsTheWorkersWorkForLater) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  answer(ana, "t_q12", {{"value", "out"}, {"importance", 9}});
  auto& engine = server_->app().match_engine;
  const std::string job = "kind = 'compute_vectors' AND status = 'pending' AND payload->>'user_id' = $1";
  ASSERT_EQ(count("SELECT count(*) FROM jobs WHERE " + job, ana.user.user_id), 1);

  db_.fail_once("user_vectors", "BEFORE INSERT", "40001");
  ASSERT_TRUE(engine.run_vector_jobs(10));
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE attempts = 0 AND " + job, ana.user.user_id), 1)
      << "the outage spent one of the job's five attempts";
  auto exec = [&](const std::string& sql) {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec(sql);
  };
  exec("UPDATE jobs SET run_after = now() WHERE kind = 'compute_vectors'");
  ASSERT_TRUE(engine.run_vector_jobs(10));
  ASSERT_EQ(count("SELECT count(*) FROM match_generation_queue WHERE user_id = $1", ana.user.user_id), 1)
      << "the vectors, once computed, queue her regeneration";

  exec("DELETE FROM matches");  // so that only the regeneration can match them again
  db_.fail_once("matches", "BEFORE INSERT", "40P01");
  EXPECT_FALSE(engine.run_generation_queue(10)) << "the regeneration's failure is the worker's to report";
  EXPECT_EQ(count("SELECT count(*) FROM match_generation_queue WHERE user_id = $1", ana.user.user_id), 1)
      << "a failed regeneration dropped her from the queue";
  ASSERT_TRUE(engine.run_generation_queue(10));
  EXPECT_FALSE(match_between(ana, ben).empty());
}

TEST_F(MatchingWorker, GenerateAllIsIdempotentAndResumable) {
  std::vector<Person> people;
  for (int i = 0; i < 3; ++i)
    people.push_back(person("W" + std::to_string(i), "woman", "man", 52.5 + i * 0.01, 13.4, "always", "any", i > 0));
  for (int i = 0; i < 3; ++i) people.push_back(person("M" + std::to_string(i), "man", "woman", 52.5 + i * 0.01, 13.41));
  {  // Start from nothing generated: the command must do it all.
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("DELETE FROM matches");
    tx.exec("DELETE FROM user_vectors");
    tx.exec("DELETE FROM user_embeddings");
    tx.commit();
  }
  auto first =
      test::run_command(test::process_env(config_) + test::binary_path() + " matches generate --all --run-id test");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("5 users"), std::string::npos) << "W0 never completed: " << first.output;
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  const int matches = q.exec1("SELECT count(*) FROM matches")[0].as<int>();
  EXPECT_EQ(matches, 2 * 3) << "W1, W2 with M0, M1, M2";
  EXPECT_EQ(q.exec1("SELECT count(*) FROM user_vectors")[0].as<int>(), 5);
  // Each match with its summary and six attributes in its score details; its attribute rows and
  // insights wait for its first opening.
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE m.score_details ? 'summary' AND "
                    "jsonb_array_length(m.score_details->'attributes') = 6")[0]
                .as<int>(),
            matches);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM match_attributes")[0].as<int>(), 0);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM compatibility_insight_documents")[0].as<int>(), 0);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM compatibility_insights")[0].as<int>(), 0);

  auto again =
      test::run_command(test::process_env(config_) + test::binary_path() + " matches generate --all --run-id test");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 new matches"), std::string::npos) << again.output;
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), matches);

  // An interrupted run (its position recorded, not finished) continues after the last user done.
  q.exec("DELETE FROM matches");
  q.exec(
      "INSERT INTO match_generation_runs (run_id, last_user_id, users_done) "
      "SELECT 'interrupted', max(user_id::text)::uuid, 5 FROM user_vectors");
  auto resumed = test::run_command(test::process_env(config_) + test::binary_path() +
                                   " matches generate --all --run-id interrupted");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("0 users"), std::string::npos) << "everyone was done already: " << resumed.output;
  EXPECT_TRUE(
      q.exec1("SELECT finished_at IS NOT NULL FROM match_generation_runs WHERE run_id = 'interrupted'")[0].as<bool>());
}

// `matches generate --all` writes users in batches, each batch's matches and the run's position in
// one transaction: when a batch fails, every user of it stays as before (none of the matches the
// batch had already inserted survive), the batches before it stay written, and the same run id
// resumes after the last batch committed, writing every pair exactly once.
TEST_F(MatchingWorker, AFailedBatchLeavesItsUsersAsBeforeAndTheRunResumesAfterTheLastCommittedOne) {
  std::vector<Person> people;
  for (int i = 0; i < 2; ++i) people.push_back(person("BW" + std::to_string(i), "woman", "man", 52.5 + i * 0.01, 13.4));
  for (int i = 0; i < 3; ++i)
    people.push_back(person("BM" + std::to_string(i), "man", "woman", 52.5 + i * 0.01, 13.41));
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  q.exec("DELETE FROM matches");
  std::vector<std::string> order;  // the users as the run takes them, by id
  for (const auto& r : q.exec("SELECT user_id FROM user_vectors ORDER BY user_id"))
    order.push_back(r[0].as<std::string>());
  ASSERT_EQ(order.size(), 5u);
  // The second batch (users 3 and 4 of 5, two per transaction) fails when it saves its position,
  // after its matches went in, in the same transaction.
  q.exec(
      "CREATE FUNCTION fail_second_batch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.users_done = 4 THEN RAISE EXCEPTION 'the second batch fails'; END IF; RETURN NEW; END $$");
  q.exec(
      "CREATE TRIGGER fail_second_batch BEFORE INSERT OR UPDATE ON match_generation_runs FOR EACH ROW "
      "EXECUTE FUNCTION fail_second_batch()");
  const std::string command = test::process_env(config_) + test::binary_path() +
                              " matches generate --all --run-id batches --users-per-transaction 2";
  auto failed = test::run_command(command);
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_NE(failed.output.find("the second batch fails"), std::string::npos) << failed.output;

  auto run = q.exec1(
      "SELECT last_user_id::text, users_done, finished_at IS NULL FROM match_generation_runs "
      "WHERE run_id = 'batches'");
  EXPECT_EQ(run[0].as<std::string>(), order[1]) << "the position is the first batch's last user";
  EXPECT_EQ(run[1].as<int>(), 2);
  EXPECT_TRUE(run[2].as<bool>()) << "not finished";
  // Only the first batch's users generated: each of their matches has one of them in it, and each
  // has all of theirs (a woman the three men, a man the two women).
  const auto first_batch = "'" + order[0] + "','" + order[1] + "'";
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches WHERE user_id_1 NOT IN (" + first_batch + ") AND user_id_2 NOT IN (" +
                    first_batch + ")")[0]
                .as<int>(),
            0);
  for (int i = 0; i < 2; ++i) {
    const auto gender = q.exec_params1("SELECT gender FROM users WHERE user_id = $1", order[i])[0].as<std::string>();
    EXPECT_EQ(q.exec_params1("SELECT count(*) FROM matches WHERE $1 IN (user_id_1, user_id_2)", order[i])[0].as<int>(),
              gender == "woman" ? 3 : 2);
  }
  // Every match of the first batch is whole: its score details with the six attributes and summary.
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches m WHERE jsonb_array_length(m.score_details->'attributes') <> 6 "
                    "OR NOT m.score_details ? 'summary'")[0]
                .as<int>(),
            0);

  q.exec("DROP TRIGGER fail_second_batch ON match_generation_runs");
  q.exec("DROP FUNCTION fail_second_batch()");
  auto resumed = test::run_command(command);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("3 users"), std::string::npos) << resumed.output;
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), 2 * 3) << "every pair once";
  EXPECT_TRUE(
      q.exec1("SELECT finished_at IS NOT NULL FROM match_generation_runs WHERE run_id = 'batches'")[0].as<bool>());
}

// Two writers overlap their batches but commit them in order: while the first batch is slow to
// save its position and then fails, the second has sent its matches and waits for its turn; it must
// roll back too (committed, it would leave the run's position before users that have matches and
// the first batch's users without theirs). The run then resumes from the start.
TEST_F(MatchingWorker, WritersCommitInTheBatchesOrderAndABatchAfterAFailedOneRollsBack) {
  person("TW0", "woman", "man", 52.5, 13.4);
  person("TM0", "man", "woman", 52.5, 13.41);
  person("TM1", "man", "woman", 52.51, 13.41);
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  q.exec("DELETE FROM matches");
  const auto first = q.exec1("SELECT user_id::text FROM user_vectors ORDER BY user_id LIMIT 1")[0].as<std::string>();
  q.exec(
      "CREATE FUNCTION slow_first_batch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.last_user_id::text = '" +
      first + "' THEN PERFORM pg_sleep(2); RAISE EXCEPTION 'the first batch fails'; END IF; RETURN NEW; END $$");
  q.exec(
      "CREATE TRIGGER slow_first_batch BEFORE INSERT OR UPDATE ON match_generation_runs FOR EACH ROW "
      "EXECUTE FUNCTION slow_first_batch()");
  const std::string command = test::process_env(config_) + test::binary_path() +
                              " matches generate --all --run-id turns --users-per-transaction 1 --writers 2";
  auto failed = test::run_command(command);
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_NE(failed.output.find("the first batch fails"), std::string::npos)
      << "the earliest failure is the one reported: " << failed.output;
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), 0) << "no batch after the failed one committed";
  EXPECT_EQ(
      q.exec1("SELECT count(*) FROM match_generation_runs WHERE run_id = 'turns' AND users_done > 0")[0].as<int>(), 0);

  q.exec("DROP TRIGGER slow_first_batch ON match_generation_runs");
  q.exec("DROP FUNCTION slow_first_batch()");
  auto resumed = test::run_command(command);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), 2) << "the woman with each man, once";
  EXPECT_TRUE(
      q.exec1("SELECT finished_at IS NOT NULL FROM match_generation_runs WHERE run_id = 'turns'")[0].as<bool>());
}

// `matches generate --all` reads a batch's standings while the batch before may still be being
// written; the pairs that batch found count as the next one's ("in flight") until they are
// committed and read. With one scorer the outcome must not depend on how users are batched: each
// user gets the pairs a one-by-one run gives them, none found twice. With two matches per user
// among five women and five men who suit each other to different degrees (one's best is not
// always the other's), every pair counted or missed changes who gets whom.
TEST_F(MatchingWorker, GenerateAllFindsTheSamePairsWhateverTheBatchSize) {
  const std::vector<std::pair<std::string, Json>> women = {{"always", {"always"}},
                                                           {"mostly", {"always", "mostly"}},
                                                           {"rarely", "any"},
                                                           {"always", {"mostly", "rarely"}},
                                                           {"mostly", {"mostly"}}};
  const std::vector<std::pair<std::string, Json>> men = {{"always", "any"},
                                                         {"mostly", {"always"}},
                                                         {"rarely", {"rarely", "mostly"}},
                                                         {"mostly", {"always", "mostly"}},
                                                         {"always", {"rarely"}}};
  for (std::size_t i = 0; i < women.size(); ++i) {
    person("W" + std::to_string(i), "woman", "man", 52.5 + i * 0.01, 13.4, women[i].first, women[i].second);
    person("M" + std::to_string(i), "man", "woman", 52.5 + i * 0.01, 13.41, men[i].first, men[i].second);
  }
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto generate = [&](int users_per_transaction) {
    q.exec("DELETE FROM matches");
    const std::string run_id = "batches-of-" + std::to_string(users_per_transaction);
    auto run = test::run_command(test::process_env(config_) + "PM_MATCHES_PER_USER=2 " + test::binary_path() +
                                 " matches generate --all --jobs 1 --run-id " + run_id + " --users-per-transaction " +
                                 std::to_string(users_per_transaction));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    std::vector<std::string> pairs;
    for (const auto& r : q.exec("SELECT user_id_1 || ' ' || user_id_2 FROM matches ORDER BY 1"))
      pairs.push_back(r[0].as<std::string>());
    return pairs;
  };
  const auto one_by_one = generate(1);
  ASSERT_FALSE(one_by_one.empty());
  EXPECT_LT(one_by_one.size(), 25u) << "the cap binds (not every pair is made): this test is about who is counted";
  // Each match's summary and attributes quote its own two people, never someone met in an earlier
  // batch (a run keeps what it worked out of each person for all its batches).
  auto analyses = q.exec(
      "SELECT p1.first_name, p2.first_name, m.score_details::text FROM matches m "
      "JOIN user_profiles p1 ON p1.user_id = m.user_id_1 JOIN user_profiles p2 ON p2.user_id = "
      "m.user_id_2");
  ASSERT_EQ(analyses.size(), one_by_one.size());
  for (const auto& r : analyses) {
    const auto one = r[0].as<std::string>(), two = r[1].as<std::string>(), text = r[2].as<std::string>();
    for (const char* side : {"W", "M"})
      for (int i = 0; i < 5; ++i) {
        const std::string name = side + std::to_string(i);
        EXPECT_EQ(text.find(name) != std::string::npos, name == one || name == two) << name << " in: " << text;
      }
  }
  EXPECT_EQ(generate(3), one_by_one);
  EXPECT_EQ(generate(10), one_by_one);
}

// What the writer writes of a batch: a pair that exists already (written meanwhile by another
// generation) is skipped, a pair found twice is written once with the better score, a suspended
// user's rows are dropped, and the rest is written, each match with its score details.
TEST_F(MatchingWorker, WritingMatchesSkipsExistingPairsAndSuspendedUsersAndKeepsTheRest) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.51, 13.39, "always", "any", false);
  Person cid = person("Cid", "man", "woman", 52.51, 13.39, "always", "any", false);
  Person dan = person("Dan", "man", "woman", 52.51, 13.39, "always", "any", false);
  auto& app = server_->app();
  auto row = [](const Person& a, const Person& b, double score) {
    return matching::repository::NewMatch{
        .match_id = crypto::uuid_v7(),
        .user_a = a.user.user_id,
        .user_b = b.user.user_id,
        .score = score,
        .score_details = R"({"attributes": [{"name": "Shared Values", "score": )" + std::to_string(score) +
                         R"(, "description": "You both value honesty."}], "summary": "Honest, both."})",
        .ranking = matching::kQuestionnaireRanking};
  };
  auto write = [&](const std::vector<matching::repository::NewMatch>& rows) {
    actor::Scope system(actor::Scope::system());
    auto written = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::size_t> {
      return matching::repository::copy_matches(tx, rows).size();
    });
    EXPECT_TRUE(written) << written.error().detail;
    return written.value_or(0);
  };
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto number = [&](const std::string& sql) { return q.exec1(sql)[0].as<int>(); };
  // Matches with their score details as written (their attribute rows and insights are written
  // when first opened).
  const std::string whole =
      "SELECT count(*) FROM matches m WHERE m.score_details->'attributes'->0->>'name' = 'Shared Values' "
      "AND m.score_details->>'summary' = 'Honest, both.' "
      "AND NOT EXISTS (SELECT 1 FROM match_attributes a WHERE a.match_id = m.match_id) "
      "AND NOT EXISTS (SELECT 1 FROM compatibility_insights i WHERE i.match_id = m.match_id) "
      "AND NOT EXISTS (SELECT 1 FROM compatibility_insight_documents d WHERE d.match_id = m.match_id)";
  auto score_of = [&](const Person& a, const Person& b) {
    return q
        .exec_params1(
            "SELECT round(compatibility_score)::int FROM matches WHERE user_id_1 = least($1::uuid, $2::uuid) "
            "AND user_id_2 = greatest($1::uuid, $2::uuid)",
            a.user.user_id, b.user.user_id)[0]
        .as<int>();
  };
  suspend(dan);

  EXPECT_EQ(write({row(ana, ben, 80), row(cid, ana, 70), row(ana, dan, 90)}), 2u) << "all but Dan's";
  EXPECT_EQ(number("SELECT count(*) FROM matches"), 2);
  EXPECT_EQ(write({row(ben, ana, 99), row(ben, cid, 60), row(cid, ben, 65), row(dan, cid, 90)}), 1u)
      << "an existing pair, a pair twice (written once) and Dan's";
  EXPECT_EQ(number("SELECT count(*) FROM matches"), 3);
  EXPECT_EQ(number(whole), 3);
  EXPECT_EQ(score_of(ben, cid), 65) << "the better of the two";
  EXPECT_EQ(score_of(ana, ben), 80) << "the existing pair as it was";
}

TEST_F(MatchingWorker, TheWorkerBinaryDrainsItsWorkAndStops) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  answer(ana, "t_q12", {{"value", "out"}, {"importance", 9}});
  auto run = test::run_command(test::process_env(config_) + "timeout 60 " + test::binary_path() + " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'pending' AND payload->>'user_id' = $1", ana.user.user_id),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM match_generation_queue WHERE user_id = $1", ana.user.user_id), 0);
}
