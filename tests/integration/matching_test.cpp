// The AI Matching Service over real HTTP on the real stores, with the test bank: generation after
// the questionnaire, hard filters both ways (checked again in SQL), discovery with its Redis cache,
// like/pass/expiry, insights by plan, the AI rate limit, blocks, and who may see a match.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "support/eventually.hpp"
#include "support/fixtures.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;
using Matching = test::MatchingApi;

// Generation writes insights (possibly many LLM calls): completing the questionnaire only queues
// the work, and the worker does it, so a request thread never waits for it.
TEST_F(Matching, CompletingTheQuestionnaireLeavesTheFirstMatchesToTheWorker) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  ASSERT_EQ(post(ana, "/api/v1/questionnaire/complete").status, 200);
  EXPECT_EQ(matches_of(ana, "?status=all")["matches"].size(), 0u) << "nothing generated on the request";
  EXPECT_EQ(
      count("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND payload->>'user_id' = $1", ana.user.user_id),
      1);
  run_worker_pass();
  auto list = matches_of(ana, "?status=all")["matches"];
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["user"]["user_id"], ben.user.user_id);
}

TEST_F(Matching, CompletingTheQuestionnaireGeneratesMatchesThatPassEveryFilterBothWays) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);                             // Berlin
  Person carl = person("Carl", "man", "woman", 48.14, 11.58);                           // Munich: beyond 50 km
  Person dan = person("Dan", "man", "man", 52.53, 13.41);                               // seeks men
  Person liar = person("Leo", "man", "woman", 52.50, 13.38, "rarely");                  // Ana rules "rarely" out below
  Person nobody = person("Ned", "man", "woman", 52.51, 13.39, "always", "any", false);  // never completes
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", {"always", "mostly"}, false);
  // Ana refuses "rarely" at top importance: a dealbreaker.
  answer(ana, "t_q7", {{"value", "always"}, {"acceptable", {"always", "mostly"}}, {"importance", 10}});
  ASSERT_EQ(post(ana, "/api/v1/questionnaire/complete").status, 200);

  auto generated = post(ana, "/api/v1/matches/generate");
  ASSERT_EQ(generated.status, 200) << generated.body;
  auto list = matches_of(ana);
  std::set<std::string> names;
  for (const auto& m : list["matches"]) names.insert(m["user"]["first_name"]);
  EXPECT_EQ(names, (std::set<std::string>{"Ben"}));
  (void)dan, (void)liar, (void)nobody;

  const auto& m = list["matches"][0];
  EXPECT_GT(m["compatibility_score"].get<double>(), 0);
  EXPECT_LE(m["compatibility_score"].get<double>(), 100);
  EXPECT_EQ(m["status"], "pending");
  EXPECT_EQ(m["user"].count("email"), 0u) << "a match shows a preview, not private data";
  // Ben sees the same match from his side.
  auto bens = matches_of(ben);
  ASSERT_EQ(bens["matches"].size(), 1u);
  EXPECT_EQ(bens["matches"][0]["match_id"], m["match_id"]);
  EXPECT_EQ(bens["matches"][0]["user"]["first_name"], "Ana");

  // Every stored pair satisfies the hard filters both ways, checked independently in SQL.
  auto conn = db_.connect();
  EXPECT_EQ(test::hard_filter_violations(conn), std::vector<std::string>{});
  pqxx::nontransaction q(conn);
  EXPECT_GE(q.exec1("SELECT count(*) FROM matches")[0].as<int>(), 1);
  // The match came with its six attributes and its summary in its score details (the list shows
  // the summary); its attribute rows, insight row and the seed's insight document wait until one of
  // the two opens it.
  const std::string id = m["match_id"];
  EXPECT_EQ(
      count("SELECT count(*) FROM matches WHERE match_id = $1 AND jsonb_array_length(score_details->'attributes') "
            "= 6",
            id),
      1);
  EXPECT_EQ(count("SELECT count(*) FROM match_attributes WHERE match_id = $1", id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insights WHERE match_id = $1", id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insight_documents WHERE match_id = $1", id), 0);
  EXPECT_NE(m["summary"].get<std::string>().find("% compatible."), std::string::npos) << m.dump();
  // Someone outside the match cannot open it, nor have anything of it written.
  EXPECT_EQ(get(carl, "/api/v1/matches/" + id).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insight_documents WHERE match_id = $1", id), 0);
  auto opened = get(ben, "/api/v1/matches/" + id);
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(opened.json()["insights"]["summary"], m["summary"]) << "the list and the match say the same";
  EXPECT_EQ(opened.json()["insights"]["keyFactors"].size(), 6u) << opened.body;
  EXPECT_EQ(opened.json()["attributes"], opened.json()["insights"]["keyFactors"]) << opened.body;
  EXPECT_EQ(count("SELECT count(*) FROM match_attributes WHERE match_id = $1", id), 6);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insights WHERE match_id = $1", id), 1);
  // Stored lz4-compressed (cheaper than the default pglz; the document is ~3 KB).
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insight_documents WHERE match_id = $1 AND doc ? 'aiModel' "
                  "AND doc->'insights' ? 'premiumInsights' AND pg_column_compression(doc) = 'lz4'",
                  id),
            1);
  // Built once: opened again, by either, the stored insights are shown as they are.
  const std::string built_at = opened_insight_document(ben, id)["generatedAt"];
  auto again = get(ana, "/api/v1/matches/" + id);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["insights"], opened.json()["insights"]);
  EXPECT_EQ(opened_insight_document(ana, id)["generatedAt"], built_at);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insight_documents WHERE match_id = $1", id), 1);
  // The stored copies agree: the document names its match and the pair in the stored order, and
  // carries the match's score; the highlights and score details the attributes' rows, and the
  // summary the list showed.
  EXPECT_EQ(count("SELECT count(*) FROM matches m JOIN compatibility_insight_documents d USING (match_id) "
                  "JOIN compatibility_insights i USING (match_id) "
                  "WHERE m.match_id = $1 AND d.doc->>'matchId' = m.match_id::text "
                  "AND d.doc->>'userId1' = m.user_id_1::text AND d.doc->>'userId2' = m.user_id_2::text "
                  "AND (d.doc->>'compatibilityScore')::float8 = m.compatibility_score "
                  "AND (m.score_details->>'score')::float8 = m.compatibility_score "
                  "AND m.score_details->'satisfaction' ?& array['first', 'second'] "
                  "AND i.highlights->'keyFactors' = m.score_details->'attributes' "
                  "AND i.highlights->'summary' = m.score_details->'summary' "
                  "AND i.highlights->'keyFactors' = d.doc->'insights'->'keyFactors' "
                  "AND i.detailed_analysis = d.doc->'insights'->>'detailedAnalysis' "
                  "AND jsonb_array_length(i.highlights->'keyFactors') = 6 "
                  "AND (SELECT array_agg(attribute_name::text ORDER BY attribute_name) FROM match_attributes a "
                  "     WHERE a.match_id = m.match_id) = "
                  "    (SELECT array_agg(f->>'name' ORDER BY f->>'name') "
                  "     FROM jsonb_array_elements(i.highlights->'keyFactors') f)",
                  id),
            1);
  // And both users' vectors in the seed's document shape.
  EXPECT_EQ(count("SELECT count(*) FROM user_vectors WHERE user_id = $1 AND doc ? 'profileVector' AND doc ? "
                  "'personalityTraits' "
                  "AND doc ? 'relationshipValues' AND doc->'personalityTraits'->'metadata' ? 'traits'",
                  ana.user.user_id),
            1);
  EXPECT_EQ(count("SELECT cardinality(embedding_vector) FROM user_embeddings WHERE user_id = $1", ana.user.user_id), 4)
      << "the test bank has four trait dimensions";
}

TEST_F(Matching, OnlyTheTwoUsersSeeAMatchAndFreeUsersSeeTheFreeInsights) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person eve = person("Eve", "woman", "man", 52.50, 13.41);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());

  auto detail = get(ana, "/api/v1/matches/" + id);
  ASSERT_EQ(detail.status, 200) << detail.body;
  auto d = detail.json();
  EXPECT_EQ(d["attributes"].size(), 6u);
  // Grounded in what they answered (both picked Read and Paint for "Pick hobbies."), said of the
  // two without quoting the question.
  EXPECT_NE(detail.body.find("Ana and Ben both picked \u201cRead\u201d and \u201cPaint\u201d."), std::string::npos)
      << detail.body;
  EXPECT_EQ(detail.body.find("Pick hobbies."), std::string::npos) << detail.body;
  EXPECT_TRUE(d["insights"].contains("summary"));
  EXPECT_TRUE(d["insights"].contains("keyFactors"));
  EXPECT_FALSE(d["insights"].contains("detailedAnalysis")) << "premium only";
  EXPECT_FALSE(d["insights"].contains("premiumInsights")) << "premium only";

  make_premium(ana);
  auto premium = get(ana, "/api/v1/matches/" + id).json();
  ASSERT_TRUE(premium["insights"].contains("detailedAnalysis"));
  EXPECT_FALSE(premium["insights"]["premiumInsights"]["conversationStarters"].empty());
  EXPECT_NE(premium["insights"]["premiumInsights"].dump().find("sailing boats"), std::string::npos)
      << "a starter quotes the other's open answer: " << premium["insights"].dump();

  // Eve is in no such match: not found, whatever she tries; no token: 401.
  for (const auto& path : {"/api/v1/matches/" + id}) EXPECT_EQ(get(eve, path).status, 404);
  EXPECT_EQ(post(eve, "/api/v1/matches/" + id + "/like").status, 404);
  EXPECT_EQ(post(eve, "/api/v1/matches/" + id + "/pass").status, 404);
  EXPECT_EQ(server_->request("GET", "/api/v1/matches").status, 401);
  EXPECT_EQ(get(eve, "/api/v1/matches/not-a-uuid").status, 404);
  auto bad = get(eve, "/api/v1/matches?limit=1000");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("content-type"), "application/problem+json");
  EXPECT_EQ(get(eve, "/api/v1/matches?cursor=garbage").status, 400);
  EXPECT_EQ(get(eve, "/api/v1/matches?status=maybe").status, 400);
}

TEST_F(Matching, BothLikesMakeItActiveOpenTheConversationAndNotifyBoth) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());

  auto first = post(ana, "/api/v1/matches/" + id + "/like");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["status"], "pending");
  EXPECT_EQ(first.json()["you_liked"], true);
  EXPECT_TRUE(first.json()["conversation_id"].is_null());
  EXPECT_TRUE(matches_of(ana)["matches"][0]["conversation_id"].is_null()) << "no chat before both liked";
  EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE match_id = $1", id), 0);
  // Ben learns that someone liked him, once, however often she likes.
  EXPECT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  const std::string liked_sql =
      "SELECT count(*) FROM notifications WHERE type = 'like.received' AND content->>'match_id' = $1";
  EXPECT_EQ(count(liked_sql + " AND user_id = '" + ben.user.user_id + "'", id), 1);
  EXPECT_EQ(count(liked_sql, id), 1);
  // ... and not who: the match id would open her profile, which only a who_liked_me plan shows.
  auto listed = get(ben, "/api/v1/notifications");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["notifications"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json()["notifications"][0]["type"], "like.received");
  EXPECT_EQ(listed.json()["notifications"][0]["content"], Json::object()) << listed.body;
  auto exported = get(ben, "/api/v1/me/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  const Json notes = exported.json()["notifications"];
  ASSERT_EQ(notes.size(), 1u) << exported.body;
  EXPECT_EQ(notes[0]["content"], Json::object()) << "his export names the match she liked him in";

  auto second = post(ben, "/api/v1/matches/" + id + "/like");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["status"], "active");
  EXPECT_FALSE(second.json()["conversation_id"].is_null());
  EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE match_id = $1", id), 1);
  // The match leads to its chat wherever either of them reads it: the list and the match's page.
  for (const Person* who : {&ana, &ben}) {
    EXPECT_EQ(matches_of(*who)["matches"][0]["conversation_id"], second.json()["conversation_id"]) << who->name;
    EXPECT_EQ(get(*who, "/api/v1/matches/" + id).json()["conversation_id"], second.json()["conversation_id"]);
  }
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE type = 'match.new' AND content->>'match_id' = $1", id), 2);
  // Liking again changes nothing and notifies nobody twice; an active match cannot be passed.
  EXPECT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE type = 'match.new' AND content->>'match_id' = $1", id), 2);
  EXPECT_EQ(count(liked_sql, id), 1) << "a like that completes the match is a match.new, not a like.received";
  EXPECT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 409);
}

// A person with more than a hundred matches pages through all of them at the largest page size:
// the first page of 100 came from the cached list of 100, which cannot tell whether there are
// more, and said there were none (no next_cursor).
TEST_F(Matching, AFullPageOfAHundredSaysWhereTheNextBegins) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    q.exec_params0(
        "WITH others AS (INSERT INTO users (email, first_name, birth_date, gender, seeking_gender) "
        "  SELECT 'many-' || g || '@example.test', 'M' || g, '1990-01-01', 'man', 'woman' "
        "  FROM generate_series(1, 105) g RETURNING user_id) "
        "INSERT INTO matches (user_id_1, user_id_2, compatibility_score) "
        "SELECT least(o.user_id, $1::uuid), greatest(o.user_id, $1::uuid), 0.5 FROM others o",
        ana.user.user_id);
  }
  server_->app().match_engine.cache().forget_user(ana.user.id());  // matches written behind the server's back
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto got = matches_of(ana, "?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& m : got["matches"]) seen.insert(m["match_id"]);
    if (got["next_cursor"].is_null()) break;
    cursor = got["next_cursor"];
  }
  EXPECT_GE(seen.size(), 105u) << "every match is reachable, page by page";
}

TEST_F(Matching, APassIsFinalAndThePairIsNeverGeneratedAgain) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  auto passed = post(ben, "/api/v1/matches/" + id + "/pass");
  ASSERT_EQ(passed.status, 200) << passed.body;
  EXPECT_EQ(passed.json()["status"], "rejected");
  EXPECT_TRUE(matches_of(ana)["matches"].empty()) << "rejected matches are not current";
  EXPECT_EQ(matches_of(ana, "?status=rejected")["matches"].size(), 1u);
  auto like = post(ana, "/api/v1/matches/" + id + "/like");
  EXPECT_EQ(like.status, 409);
  EXPECT_EQ(like.json()["type"], "/problems/match-closed");
  ASSERT_EQ(post(ana, "/api/v1/matches/generate").status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM matches WHERE user_id_1 = $1 OR user_id_2 = $1", ana.user.user_id), 1);
}

// Someone passed or unmatched kept a window on the other through the match's id: its card showed
// their current photo, town and age, polled as often as liked, where their profile is a 404.
TEST_F(Matching, AnEndedMatchNoLongerShowsTheOthersPhotoPlaceOrAge) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto photo = upload_photo(ana);
  ASSERT_EQ(photo.status, 201);
  const std::string id = match_between(ben, ana);
  auto card = [&] { return get(ben, "/api/v1/matches/" + id).json()["user"]; };
  ASSERT_TRUE(card()["photo_url"].is_string()) << "while it is on: " << card().dump();
  ASSERT_TRUE(card()["age"].is_number());
  ASSERT_TRUE(card()["location"].is_string());
  // Her profile is public: anyone signed in may see it, Ben too while the match is on.
  auto conn = db_.connect();
  pqxx::nontransaction(conn).exec_params0("UPDATE users SET profile_visibility = 'public' WHERE user_id = $1",
                                          ana.user.user_id);
  Person cal = person("Cal", "man", "woman", 48.1, 11.5, "always", "any", false);
  const std::string her_profile = "/api/v1/users/" + ana.user.user_id;
  ASSERT_EQ(get(ben, her_profile).status, 200);

  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);
  for (const Json& user : {card(), matches_of(ben, "?status=all")["matches"][0]["user"]}) {
    EXPECT_EQ(user["first_name"], "Ana") << "who it was with stays";
    EXPECT_TRUE(user["photo_url"].is_null()) << user.dump();
    EXPECT_TRUE(user["age"].is_null()) << user.dump();
    EXPECT_TRUE(user["location"].is_null()) << user.dump();
  }
  EXPECT_EQ(get(ben, her_profile).status, 404)
      << "public or not, her profile (photos, distance, last active) is not his to keep watching";
  EXPECT_EQ(get(cal, her_profile).status, 200) << "public to everyone else";
}

TEST_F(Matching, PendingMatchesExpire) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(matches_of(ana)["matches"].size(), 1u);
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params("UPDATE matches SET created_at = now() - interval '15 days' WHERE match_id = $1", id);
    tx.commit();
  }
  auto expired = server_->app().discovery.expire();
  ASSERT_TRUE(expired);
  EXPECT_EQ(*expired, 1);
  EXPECT_TRUE(matches_of(ana)["matches"].empty()) << "the cached list was dropped";
  EXPECT_EQ(matches_of(ana, "?status=expired")["matches"][0]["status"], "expired");
}

TEST_F(Matching, TheIndexPollReloadsOnlyUsersWhoChanged) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto& engine = server_->app().match_engine;
  ASSERT_TRUE(engine.refresh(true));
  ASSERT_TRUE(engine.refresh(true));  // the look-back overlap may bring recent users back once
  auto idle = engine.refresh(true);
  ASSERT_TRUE(idle);
  EXPECT_EQ(*idle, 0u) << "nothing changed: a poll reloads nobody";
  auto moved = server_->request(
      "PATCH", "/api/v1/me",
      Json{{"location", {{"label", "Potsdam"}, {"latitude", 52.39}, {"longitude", 13.06}}}}.dump(), ana.user.auth());
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto changed = engine.refresh(true);
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, 1u) << "only Ana moved";
  auto index = engine.index();
  ASSERT_TRUE(index);
  auto indexed = (*index)->find(ana.user.user_id);
  ASSERT_TRUE(indexed);
  EXPECT_NEAR(indexed->facts.lat, 52.39, 1e-4) << "the poll loaded her new row, not only her id";
  EXPECT_NEAR(indexed->facts.lon, 13.06, 1e-4);
  EXPECT_EQ(*engine.refresh(true), 0u) << "and the next poll skips her: her row was loaded with this change";
}

// A deleted account leaves every node's index at its next poll: before, its location, age and answers
// stayed in memory (and it kept a place among the candidates) until a restart.
TEST_F(Matching, TheIndexPollDropsADeletedAccount) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto& engine = server_->app().match_engine;
  ASSERT_TRUE(engine.refresh(true));
  ASSERT_TRUE(engine.refresh(true));
  ASSERT_TRUE((*engine.index())->find(ana.user.user_id));
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ana.user.auth()).status, 204);
  ASSERT_TRUE(engine.refresh(true));
  EXPECT_FALSE((*engine.index())->find(ana.user.user_id));
  EXPECT_TRUE((*engine.index())->find(ben.user.user_id)) << "the others stay";
}

TEST_F(Matching, TheListIsCachedInRedisUnderTheSeedKeysAndDroppedOnEveryChange) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);  // status=all: from PostgreSQL
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(matches_of(ana)["source"], "database");
  EXPECT_EQ(matches_of(ana)["source"], "cache");
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto recent = redis.command({"GET", "matches:recent:" + ana.user.user_id});
  ASSERT_TRUE(recent);
  EXPECT_EQ(Json::parse(recent->str()), Json::array({id}));
  auto ttl = redis.command({"TTL", "match:" + id});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer(), 0);
  EXPECT_LE(ttl->integer(), config_.match_cache_ttl.count());

  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  auto after = matches_of(ana);
  EXPECT_EQ(after["source"], "database") << "a like drops the cached list";
  EXPECT_EQ(after["matches"][0]["you_liked"], true) << "and nothing stale is served";

  // A block hides the pair everywhere at once, the cache included.
  EXPECT_EQ(matches_of(ben)["matches"].size(), 1u);
  EXPECT_EQ(matches_of(ben)["source"], "cache");
  ASSERT_EQ(post(ana, "/api/v1/users/" + ben.user.user_id + "/block").status / 100, 2);
  EXPECT_TRUE(matches_of(ben)["matches"].empty());
  EXPECT_TRUE(matches_of(ana)["matches"].empty());
  EXPECT_EQ(get(ben, "/api/v1/matches/" + id).status, 404);
}

// A block left the pair's pending match as it was, so an unblock brought it back untouched: a free
// user read their likes' count, blocked one match, read it again (one less: that one liked them),
// and unblocked, 50 probes a day for what only the who_liked_me plan shows. The block now ends it.
// The export holds what was worked out about the person for each match the app shows them (its six
// attributes, the insights' summary and key factors, as every plan's app shows them) and their
// text embedding; before, only the match's score. A match with someone who blocked the person is
// not in it: it told them of the block.
TEST_F(Matching, TheExportHoldsEachShownMatchsInsightsAndNoHiddenMatch) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  // Not opened yet (its insights are written then): the summary and key factors stored with it.
  const Json unopened = get(ana, "/api/v1/me/export").json();
  ASSERT_EQ(unopened["matches"].size(), 1u) << unopened.dump();
  auto detail = get(ana, "/api/v1/matches/" + id).json();
  EXPECT_EQ(unopened["matches"][0]["insights"]["summary"], detail["insights"]["summary"]) << unopened.dump();
  EXPECT_EQ(unopened["matches"][0]["insights"]["keyFactors"], detail["insights"]["keyFactors"]) << unopened.dump();
  EXPECT_EQ(unopened["matches"][0]["attributes"], detail["attributes"]) << unopened.dump();

  auto exported = get(ana, "/api/v1/me/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  const Json data = exported.json();
  ASSERT_EQ(data["matches"].size(), 1u) << exported.body;
  const Json& match = data["matches"][0];
  EXPECT_EQ(match["match_id"], id);
  EXPECT_EQ(match["attributes"], detail["attributes"]);
  EXPECT_EQ(match["insights"]["summary"], detail["insights"]["summary"]);
  EXPECT_EQ(match["insights"]["keyFactors"], detail["insights"]["keyFactors"]);
  EXPECT_FALSE(match["insights"].contains("detailedAnalysis")) << "a premium plan's, as in the app";
  ASSERT_EQ(data["embedding"].size(), 1u) << exported.body;
  EXPECT_EQ(data["embedding"][0]["user_id"], ana.user.user_id);

  ASSERT_EQ(post(ben, "/api/v1/users/" + ana.user.user_id + "/block").status / 100, 2);
  EXPECT_EQ(get(ana, "/api/v1/me/export").json()["matches"], Json::array()) << "her export told her of his block";
  auto his = get(ben, "/api/v1/me/export").json()["matches"];
  ASSERT_EQ(his.size(), 1u) << "his own block is his to see";
  EXPECT_EQ(his[0]["match_id"], id);
}

// Matching measured distances to the metre: an account with its filters narrowed to one person and
// a 1 km limit learnt, by moving its own pin and generating, whether she was within 1 km of each
// pin, and so where she lives (the generate answer even counted the people the filters let
// through, blocked ones included). To matching, as to a profile, a place is now a square of a 0.01
// degree grid (about a kilometre): two pins in one square learn the same, and nothing is counted.
TEST_F(Matching, WhereSomeoneLivesCannotBeNarrowedBelowTheGrid) {
  Person tess = person("Tess", "woman", "man", 52.5200, 13.4000);
  auto probe = [&](const std::string& name, double latitude) {
    Person p = person(name, "man", "woman", latitude, 13.4000, "always", "any", /*complete=*/false);
    auto prefs = server_->request("PUT", "/api/v1/me/preferences", Json{{"max_distance", 1}}.dump(), p.user.auth());
    EXPECT_EQ(prefs.status, 200) << prefs.body;
    EXPECT_EQ(server_->request("POST", "/api/v1/questionnaire/complete", "", p.user.auth()).status, 200);
    run_worker_pass();
    auto generated = post(p, "/api/v1/matches/generate");
    EXPECT_EQ(generated.status, 200) << generated.body;
    EXPECT_FALSE(generated.json()["search"].contains("scored")) << generated.body;
    EXPECT_FALSE(generated.json()["search"].contains("examined")) << generated.body;
    return matches_of(p, "?status=all")["matches"].size();
  };
  // 570 m and 1,060 m north of her, in one square of the grid (52.525 to 52.535): both matched,
  // as her place is within his 1 km by the grid (a limit reaches one square further).
  const auto near = probe("Near", 52.5251), far = probe("Far", 52.5299);
  EXPECT_EQ(near, far);
  EXPECT_EQ(near, 1u) << "a limit that misses someone truly within it";
  (void)tess;
}

TEST_F(Matching, ABlockEndsThePairsPendingMatchForGood) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);
  ASSERT_EQ(get(ana, "/api/v1/likes/received").json()["count"], 1);
  ASSERT_EQ(post(ana, "/api/v1/users/" + ben.user.user_id + "/block").status / 100, 2);
  ASSERT_EQ(
      server_->request("DELETE", "/api/v1/users/" + ben.user.user_id + "/block", "", ana.user.auth()).status / 100, 2);
  EXPECT_EQ(get(ana, "/api/v1/likes/received").json()["count"], 0) << "the like came back with the unblock";
  auto seen = get(ben, "/api/v1/matches/" + id);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.json()["status"], "rejected");
  EXPECT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 409) << "an ended match takes no like";
}

// An unblock shows the pair again at once: the list cached while they were blocked (without
// their match) was served until its TTL, a quarter of an hour, while its other pages had it.
TEST_F(Matching, AnUnblockShowsThePairsMatchAgainAtOnce) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);  // active: a block does not end it
  ASSERT_EQ(post(ana, "/api/v1/users/" + ben.user.user_id + "/block").status / 100, 2);
  EXPECT_TRUE(matches_of(ben)["matches"].empty());
  ASSERT_EQ(matches_of(ben)["source"], "cache") << "precondition: Ben's list without her is cached";
  ASSERT_EQ(
      server_->request("DELETE", "/api/v1/users/" + ben.user.user_id + "/block", "", ana.user.auth()).status / 100, 2);
  auto after = matches_of(ben);
  ASSERT_EQ(after["matches"].size(), 1u) << after.dump();
  EXPECT_EQ(after["matches"][0]["match_id"], id);
}

// A pass that lost the race to the other's pass read the match without a lock, as pending, then
// changed nothing once the other committed: 404 "no such match among yours" for a match of theirs.
TEST_F(Matching, APassThatLosesARaceIsTold409NotThatTheMatchIsNotTheirs) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  auto conn = db_.connect();
  pqxx::work bens_pass(conn);  // his pass, not yet committed
  bens_pass.exec_params0("UPDATE matches SET status = 'rejected', updated_at = now() WHERE match_id = $1", id);
  auto hers = std::async(std::launch::async, [&] { return post(ana, "/api/v1/matches/" + id + "/pass"); });
  for (int i = 0; i < 250 && !db_.statement_waits_for_a_lock("%"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bens_pass.commit();
  auto answered = hers.get();
  EXPECT_EQ(answered.status, 409) << answered.body;
}

// A match's insights are written by its first opening; the two people opening it at once get one
// set, the first stored (each would have written the prose with themself named first).
TEST_F(Matching, TwoFirstOpeningsAtOnceShowTheSameInsights) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  make_premium(ana);
  make_premium(ben);
  auto hers = std::async(std::launch::async, [&] { return get(ana, "/api/v1/matches/" + id); });
  auto his = get(ben, "/api/v1/matches/" + id);
  auto her = hers.get();
  ASSERT_EQ(her.status, 200) << her.body;
  ASSERT_EQ(his.status, 200) << his.body;
  EXPECT_FALSE(her.json()["insights"]["detailedAnalysis"].get<std::string>().empty()) << her.body;
  EXPECT_EQ(her.json()["insights"], his.json()["insights"]);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insight_documents WHERE match_id = $1", id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM compatibility_insights WHERE match_id = $1", id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM match_attributes WHERE match_id = $1", id), 6);
  EXPECT_EQ(opened_insight_document(ana, id)["insights"], her.json()["insights"]) << "what both were shown is stored";
}

// The insights quote each person's first open answer to the other ("Ben, ask Ana about ...: they
// wrote ..."), written once (when the match is first opened): someone who rewrote or emptied an
// answer to take the words back still had them shown in every match opened before, for as long as
// it lasted.
TEST_F(Matching, ChangedWordsLeaveTheInsightsOfEarlierMatches) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  make_premium(ben);
  auto starters = [&] {
    return get(ben, "/api/v1/matches/" + id).json()["insights"]["premiumInsights"]["conversationStarters"].dump();
  };
  ASSERT_NE(starters().find("ask Ana about"), std::string::npos) << starters();
  answer(ana, "t_q6", {{"value", "Nothing I want to share here."}});
  run_worker_pass();
  const std::string after = starters();
  EXPECT_EQ(after.find("ask Ana about"), std::string::npos) << after;
  EXPECT_NE(after.find("ask Ben about"), std::string::npos) << "his words are his to take back: " << after;
}

// The quotes are found by name, the one mark of whom a starter quotes: a rename in between kept the
// old name's quote (her taken-back words) for good. Now only the other's quote, by his name today,
// stays.
TEST_F(Matching, ChangedWordsLeaveTheInsightsOfEarlierMatchesAfterARename) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  make_premium(ben);
  auto starters = [&] {
    return get(ben, "/api/v1/matches/" + id).json()["insights"]["premiumInsights"]["conversationStarters"].dump();
  };
  ASSERT_NE(starters().find("ask Ana about"), std::string::npos) << starters();
  auto renamed = server_->request("PATCH", "/api/v1/me", Json{{"first_name", "Anna"}}.dump(), ana.user.auth());
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  answer(ana, "t_q6", {{"value", "Nothing I want to share here."}});
  run_worker_pass();
  const std::string after = starters();
  EXPECT_EQ(after.find("ask Ana about"), std::string::npos) << after;
  EXPECT_NE(after.find("ask Ben about"), std::string::npos) << "his words are his to take back: " << after;
}

// A like said again changes nothing: it wrote the match and dropped both people's cached lists (on
// every node) each time, a free way to churn them.
TEST_F(Matching, ALikeSaidAgainChangesNothing) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  matches_of(ben);
  ASSERT_EQ(matches_of(ben)["source"], "cache") << "precondition: Ben's list is cached";
  auto again = post(ana, "/api/v1/matches/" + id + "/like");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["you_liked"], true);
  EXPECT_EQ(again.json()["status"], "pending");
  EXPECT_EQ(matches_of(ben)["source"], "cache") << "the repeated like dropped his cached list";
}

// A profile saved as it was changes nothing others see: it dropped every partner's cached list (on
// every node) each time, as a like said again did. A change others see still drops it.
TEST_F(Matching, AProfileSavedUnchangedKeepsThePartnersCachedLists) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  ASSERT_FALSE(match_between(ana, ben).empty());
  auto patch = [&](const Json& body) {
    return server_->request("PATCH", "/api/v1/me", body.dump(), ana.user.auth()).status;
  };
  ASSERT_EQ(patch({{"bio", "Cellist, cyclist."}}), 200);
  matches_of(ben);
  ASSERT_EQ(matches_of(ben)["source"], "cache") << "precondition: Ben's list is cached";
  ASSERT_EQ(patch({{"bio", "Cellist, cyclist."}, {"first_name", "Ana"}}), 200);
  EXPECT_EQ(matches_of(ben)["source"], "cache") << "a profile saved unchanged dropped his cached list";
  ASSERT_EQ(patch({{"bio", "Cellist, cyclist, baker."}}), 200);
  EXPECT_EQ(matches_of(ben)["source"], "database") << "a new bio must reach his list";
}

// A deleted account leaves its partners' lists at once: their cached list and the match's
// preview (her name and photo) went only with the cache's TTL, a quarter of an hour.
TEST_F(Matching, ADeletedAccountLeavesItsPartnersCachedListsAtOnce) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(matches_of(ben)["matches"].size(), 1u);
  ASSERT_EQ(matches_of(ben)["source"], "cache") << "precondition: Ben's list is cached";

  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ana.user.auth()).status, 204);
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto preview = redis.command({"EXISTS", "match:" + id});
  ASSERT_TRUE(preview);
  EXPECT_EQ(preview->integer(), 0) << "the deleted person's preview is still cached";
  auto list = redis.command({"GET", "matches:recent:" + ben.user.user_id});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->str().find(id), std::string::npos) << "Ben's cached list still names the match: " << list->str();
  const Json bens = matches_of(ben);
  EXPECT_TRUE(bens["matches"].empty()) << bens.dump();
}

// What a partner's cached list shows of someone changes with her profile at once: she hides her
// age, takes her photo down, goes by another name. The match's preview kept the old ones for the
// cache's TTL (a quarter of an hour), the deleted photo as a dead link.
TEST_F(Matching, AProfileChangeShowsInThePartnersCachedListAtOnce) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  auto photo = upload_photo(ana);
  ASSERT_EQ(photo.status, 201);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  auto anas_card = [&] {
    const Json page = matches_of(ben);
    EXPECT_EQ(page["matches"].size(), 1u) << page.dump();
    return page["matches"].empty() ? Json::object() : page["matches"][0]["user"];
  };
  ASSERT_TRUE(anas_card()["age"].is_number());
  ASSERT_EQ(matches_of(ben)["source"], "cache") << "precondition: Ben's list is cached";

  auto hidden = server_->request("PUT", "/api/v1/me/preferences",
                                 Json{{"privacy_settings", {{"show_age", false}}}}.dump(), ana.user.auth());
  ASSERT_EQ(hidden.status, 200) << hidden.body;
  EXPECT_TRUE(anas_card()["age"].is_null()) << "her age still shows after she hid it";

  ASSERT_TRUE(anas_card()["photo_url"].is_string());
  const std::string media_id = photo.json()["media_id"];
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me/media/" + media_id, "", ana.user.auth()).status, 204);
  EXPECT_TRUE(anas_card()["photo_url"].is_null()) << "her deleted photo still shows";

  auto renamed = server_->request("PATCH", "/api/v1/me", Json{{"first_name", "Anna"}}.dump(), ana.user.auth());
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(anas_card()["first_name"], "Anna");
}

// A person who hid their profile ("nobody": GET /users/{id} is a 404) still showed their current
// photo, age and town in every match made before, pending ones included, which they never chose.
TEST_F(Matching, AHiddenProfileShowsOnlyItsNameInTheMatchesMadeBefore) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  ASSERT_EQ(upload_photo(ana).status, 201);
  const std::string id = match_between(ben, ana);
  auto card = [&] { return get(ben, "/api/v1/matches/" + id).json()["user"]; };
  ASSERT_TRUE(card()["photo_url"].is_string()) << card().dump();
  ASSERT_EQ(matches_of(ben)["matches"].size(), 1u);

  auto hid = server_->request("PATCH", "/api/v1/me", Json{{"profile_visibility", "hidden"}}.dump(), ana.user.auth());
  ASSERT_EQ(hid.status, 200) << hid.body;
  for (const Json& user : {card(), matches_of(ben)["matches"][0]["user"]}) {
    EXPECT_EQ(user["first_name"], "Ana");
    EXPECT_TRUE(user["photo_url"].is_null()) << user.dump();
    EXPECT_TRUE(user["age"].is_null()) << user.dump();
    EXPECT_TRUE(user["location"].is_null()) << user.dump();
    EXPECT_FALSE(user.contains("hidden")) << user.dump();
  }
  ASSERT_EQ(
      server_->request("PATCH", "/api/v1/me", Json{{"profile_visibility", "matches_only"}}.dump(), ana.user.auth())
          .status,
      200);
  EXPECT_TRUE(card()["photo_url"].is_string()) << "shown again once she is visible again";
}

// A list read from PostgreSQL just before a block committed was written to Redis just after the
// block dropped the cached list, and showed the blocked person for the cache's lifetime. A list is
// now written only over what the key held before its read.
TEST_F(Matching, AListReadBeforeABlockIsNeverCachedAfterIt) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  auto& cache = server_->app().match_cache;
  const UserId anas(ana.user.user_id);
  std::string seen;
  (void)cache.snapshot(anas, nullptr, &seen);  // her read of the list starts: what the key holds
  ASSERT_EQ(post(ana, "/api/v1/users/" + ben.user.user_id + "/block").status / 100, 2);  // and is overtaken
  cache.put_list(anas, {MatchId(id)}, {Json{{"match_id", id}}}, seen);                   // the read's list
  EXPECT_FALSE(cache.snapshot(anas)) << "the stale list with Ben was cached after the block";
  EXPECT_TRUE(matches_of(ana)["matches"].empty());
  EXPECT_EQ(matches_of(ana)["source"], "cache") << "a read after the change is cached as before";
}

// The same for a preview: a list read from PostgreSQL just before Ana renamed herself wrote her
// old name back just after the rename dropped the preview, for the cache's lifetime. A change to
// what others see marks their lists, over which alone a read writes its previews.
TEST_F(Matching, AProfileChangeIsNeverUndoneByAListReadItOvertook) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(matches_of(ben)["matches"][0]["user"]["first_name"], "Ana");
  auto& cache = server_->app().match_cache;
  const UserId bens(ben.user.user_id);
  std::string seen;
  const auto before = cache.snapshot(bens, nullptr, &seen);  // his read of the list starts
  ASSERT_TRUE(before && before->previews.size() == 1u) << "precondition: his list is cached";
  const Json old_preview = Json::parse(before->previews[0]);
  ASSERT_EQ(server_->request("PATCH", "/api/v1/me", Json{{"first_name", "Anna"}}.dump(), ana.user.auth()).status,
            200);                                            // and is overtaken
  cache.put_list(bens, {MatchId(id)}, {old_preview}, seen);  // the read's list and preview
  EXPECT_EQ(matches_of(ben)["matches"][0]["user"]["first_name"], "Anna") << "her old name was cached again";
}

// A node keeps each viewer's rendered first page beside the bytes Redis held (RenderedPages): the
// same bytes give the same page, any change in them a new one, and nobody gets another's page.
TEST_F(Matching, ARenderedPageIsOnlyItsViewersAndOnlyWhileRedisHoldsWhatItWasMadeFrom) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(matches_of(ana)["source"], "database");
  const auto first = get(ana, "/api/v1/matches");  // rendered from Redis
  const auto again = get(ana, "/api/v1/matches");  // the kept page
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["source"], "cache");
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("content-type"), "application/json");
  EXPECT_EQ(again.header("cache-control"), "no-store");
  // Redis tells the node when the page's keys change (client tracking), so while nothing changes
  // the kept page is answered without reading Redis at all. (The node's notice connection may
  // still be starting at its first requests: then the bytes are compared, as without it.)
  const std::string kept = R"(pm_match_list_pages_total{from="kept"})";
  const long long kept_before = test::metric(server_->port(), kept);
  ASSERT_GE(kept_before, 0) << "no " << kept << " on /metrics";
  const auto every = std::chrono::milliseconds(50);
  EXPECT_TRUE(test::eventually(
      [&] {
        EXPECT_EQ(get(ana, "/api/v1/matches").body, first.body);
        return test::metric(server_->port(), kept) > kept_before;
      },
      std::chrono::seconds(10), every))
      << "the kept page was never answered without reading Redis";

  // Ben's page is his own: the same match from his side, never Ana's page.
  auto bens = matches_of(ben);
  ASSERT_EQ(bens["matches"].size(), 1u);
  EXPECT_EQ(bens["matches"][0]["user"]["user_id"], ana.user.user_id);
  EXPECT_EQ(matches_of(ana)["matches"][0]["user"]["user_id"], ben.user.user_id);
  // A third user, and the same user on another page size, get pages of their own.
  Person cid = person("Cid", "woman", "woman", 10.0, 10.0);
  auto cids = matches_of(cid);
  for (const auto& m : cids["matches"]) EXPECT_NE(m["match_id"], id) << "Cid sees Ana and Ben's match";
  EXPECT_EQ(matches_of(ana, "?limit=1")["matches"].size(), 1u);
  // Signed out, or with a made-up token for Ana's id, there is no page at all.
  EXPECT_EQ(server_->request("GET", "/api/v1/matches").status, 401);
  EXPECT_EQ(
      server_->request("GET", "/api/v1/matches", "", {{"Authorization", "Bearer " + ana.user.user_id + ".x"}}).status,
      401);

  // Whatever changes the bytes in Redis shows once Redis has told the node (a moment: one
  // notice on a loopback connection): here a preview rewritten behind the server's back, as
  // another node would after a change. Before the change both pages are kept ones.
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto stored = redis.command({"GET", "match:" + id});
  ASSERT_TRUE(stored && !stored->is_nil());
  auto preview = Json::parse(stored->str());
  preview["summary"] = "rewritten in Redis";
  ASSERT_NE(matches_of(ana)["matches"][0]["summary"], "rewritten in Redis");
  ASSERT_NE(matches_of(ben)["matches"][0]["summary"], "rewritten in Redis");
  ASSERT_TRUE(redis.command({"SET", "match:" + id, preview.dump()}));
  auto shows_rewritten = [&](const Person& who) {
    return test::eventually([&] { return matches_of(who)["matches"][0]["summary"] == "rewritten in Redis"; },
                            std::chrono::seconds(10), every);
  };
  EXPECT_TRUE(shows_rewritten(ana)) << "Ana's kept page outlived the change in Redis";
  EXPECT_TRUE(shows_rewritten(ben)) << "Ben's kept page outlived the change in Redis";
  EXPECT_GT(test::metric(server_->port(), "pm_match_cache_notices_total"), 0);

  // A like (keys deleted) shows at once; so does an unmatch, for both.
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  EXPECT_EQ(matches_of(ana)["matches"][0]["you_liked"], true);
  EXPECT_EQ(matches_of(ana)["source"], "cache");
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);
  EXPECT_EQ(matches_of(ben)["matches"][0]["status"], "active");
  EXPECT_EQ(matches_of(ben)["matches"][0]["status"], "active");
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/unmatch").status, 200);
  EXPECT_TRUE(matches_of(ana)["matches"].empty());
  EXPECT_TRUE(matches_of(ben)["matches"].empty());

  // A suspended viewer whose page this node keeps is refused like any other request of theirs:
  // the suspension ends the sessions, and the page is never reached.
  ASSERT_EQ(matches_of(cid)["source"], "cache");
  suspend(cid);
  EXPECT_EQ(get(cid, "/api/v1/matches").status, 401);
}

TEST_F(Matching, OnDemandGenerationIsRateLimitedByPlan) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  // The free plan's generations_per_day (migrations/0015); the first matches after she completed
  // the questionnaire are not counted.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post(ana, "/api/v1/matches/generate").status, 200);
  auto limited = post(ana, "/api/v1/matches/generate");
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto counter = redis.command({"GET", "ratelimit:ai:generate:" + ana.user.user_id});
  ASSERT_TRUE(counter);
  EXPECT_FALSE(counter->is_nil()) << "the seed's key holds the count";
  make_premium(ana);
  EXPECT_EQ(post(ana, "/api/v1/matches/generate").status, 200) << "a paid plan has a higher limit";
}

// One pending match at a time, so each generation shows whether it ran: it adds a new one.
class OneMatchAtATime : public Matching {
  void configure(Config& c) override { c.matches_per_user = 1; }
};

// A generation that failed on our side (here: PostgreSQL aborting its write) was counted all the
// same: a few taps during an outage used up the free plan's day.
TEST_F(OneMatchAtATime, AGenerationThatFailedOnOurSideIsNotCounted) {
  for (const char* name : {"Ben", "Cid", "Dan", "Eli", "Fin"}) person(name, "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);  // her first match (not counted)
  auto pass_the_pending = [&] {
    const Json now = matches_of(ana)["matches"];
    ASSERT_EQ(now.size(), 1u) << now.dump();
    ASSERT_EQ(post(ana, "/api/v1/matches/" + now[0]["match_id"].get<std::string>() + "/pass").status, 200);
  };
  pass_the_pending();
  db_.fail_once("matches", "BEFORE INSERT", "40P01");
  auto failed = post(ana, "/api/v1/matches/generate");
  ASSERT_EQ(failed.status, 503) << failed.body;
  // The free plan's three a day (migrations/0015) are all still there.
  for (int i = 0; i < 3; ++i) {
    auto generated = post(ana, "/api/v1/matches/generate");
    ASSERT_EQ(generated.status, 200) << i << ": " << generated.body;
    ASSERT_EQ(generated.json()["created"], 1) << i;
    pass_the_pending();
  }
  EXPECT_EQ(post(ana, "/api/v1/matches/generate").status, 429);
}

// Passing every match and answering again regenerated matches without end: a free account paged
// through everyone compatible nearby, past the plan's generations_per_day. A regeneration after
// changed answers now counts against the same daily budget as POST /matches/generate.
TEST_F(OneMatchAtATime, AnsweringAgainRegeneratesOnlyWithinTheDailyBudget) {
  for (const char* name : {"Ben", "Cid", "Dan", "Eli", "Fin"}) person(name, "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);  // her first matches (not counted)
  auto pending = [&] { return matches_of(ana)["matches"]; };
  auto vector_jobs = [&] {
    return count("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND payload->>'user_id' = $1",
                 ana.user.user_id);
  };
  std::set<std::string> seen;
  for (int slider : {3, 1, 3, 1, 3}) {
    auto now = pending();
    if (seen.size() < 4) {  // the first matches, then the free plan's 3 regenerations
      ASSERT_EQ(now.size(), 1u) << "generation " << seen.size() + 1 << " gave her a match: " << now.dump();
      EXPECT_TRUE(seen.insert(now[0]["match_id"].get<std::string>()).second) << "a new one each time";
      ASSERT_EQ(post(ana, "/api/v1/matches/" + now[0]["match_id"].get<std::string>() + "/pass").status, 200);
    }
    const auto jobs = vector_jobs();
    answer(ana, "t_q5", {{"value", slider}, {"importance", 4}});
    EXPECT_EQ(vector_jobs(), jobs + 1) << "a changed answer moves her vectors";
    run_worker_pass();
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_TRUE(pending().empty()) << "a fourth regeneration in a day: " << pending().dump();
  EXPECT_EQ(post(ana, "/api/v1/matches/generate").status, 429) << "the regenerations spent the day's budget";

  // Neither the same answer again nor completing again queues anything.
  const auto jobs = vector_jobs();
  answer(ana, "t_q5", {{"value", 3}, {"importance", 4}});  // as the loop left it
  EXPECT_EQ(post(ana, "/api/v1/questionnaire/complete").status, 200);
  EXPECT_EQ(vector_jobs(), jobs);
}

TEST_F(Matching, IncompleteUsersAreToldWhatIsMissing) {
  Person ana = person("Ana", "woman", "man", 52.52, 13.40);
  Person ned = person("Ned", "man", "woman", 52.51, 13.39, "always", "any", false);
  auto res = post(ned, "/api/v1/matches/generate");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.json()["type"], "/problems/questionnaire-incomplete");
  // Pressing "generate" before finishing spends the day's budget; his first matches come anyway.
  for (int i = 0; i < 3; ++i) post(ned, "/api/v1/matches/generate");
  ASSERT_EQ(post(ned, "/api/v1/questionnaire/complete").status, 200);
  run_worker_pass();
  EXPECT_EQ(matches_of(ned)["matches"].size(), 1u) << "no first matches after completing";
}

TEST_F(Matching, TheScoreCommandGivesTheServersScore) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", {"always", "mostly"});
  const std::string id = match_between(ana, ben);
  ASSERT_FALSE(id.empty());
  const double server_score = get(ana, "/api/v1/matches/" + id).json()["compatibility_score"];

  // The two users as JSON lines, from what the database holds.
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  const auto file = std::filesystem::temp_directory_path() / ("pm-score-" + crypto::random_hex(4) + ".jsonl");
  {
    std::ofstream out(file);
    for (const auto* p : {&ana, &ben}) {
      auto u = q.exec_params1(
          "SELECT gender, seeking_gender, date_part('year', age(birth_date))::int, ST_Y(location_point::geometry), "
          "ST_X(location_point::geometry), coalesce(bio, '') FROM users WHERE user_id = $1",
          p->user.user_id);
      Json answers = Json::array();
      for (const auto& a : q.exec_params(
               "SELECT q.question_key, a.response_value::text, a.acceptable::text, a.importance_score FROM answers a "
               "JOIN questions q ON q.question_id = a.question_id WHERE a.user_id = $1 AND a.retired_at IS NULL",
               p->user.user_id))
        answers.push_back({{"question", a[0].as<std::string>()},
                           {"value", Json::parse(a[1].as<std::string>())},
                           {"acceptable", Json::parse(a[2].as<std::string>())},
                           {"importance", a[3].as<int>()}});
      out << Json{{"id", p->user.user_id},
                  {"gender", u[0].as<std::string>()},
                  {"seeking", u[1].as<std::string>()},
                  {"age", u[2].as<int>()},
                  {"location", {{"latitude", u[3].as<double>()}, {"longitude", u[4].as<double>()}}},
                  {"preferences", {{"min_age", 18}, {"max_age", 99}, {"max_distance", 50}}},
                  {"bio", u[5].as<std::string>()},
                  {"answers", answers}}
                 .dump()
          << "\n";
    }
  }
  auto run = test::run_binary(
      {"score", "--bank", std::string(PM_SOURCE_DIR) + "/data/questions/test-bank.json", "--users", file.string()});
  std::filesystem::remove(file);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto line = Json::parse(run.output.substr(0, run.output.find('\n')));
  EXPECT_DOUBLE_EQ(line["score"].get<double>(), server_score) << run.output;
  EXPECT_EQ(line["passes_filters"], true);
  EXPECT_EQ(line["attributes"].size(), 6u);
}

// The privacy settings reach matching: show_age false blanks the age in the other's match list,
// and discoverable false takes a user out of matching both ways.
TEST_F(Matching, PrivacySettingsHideTheAgeAndTakeAUserOutOfMatching) {
  auto set_privacy = [&](const Person& p, const Json& settings) {
    auto res =
        server_->request("PUT", "/api/v1/me/preferences", Json{{"privacy_settings", settings}}.dump(), p.user.auth());
    ASSERT_EQ(res.status, 200) << res.body;
  };
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  set_privacy(ben, {{"show_age", false}});
  ASSERT_EQ(post(ben, "/api/v1/questionnaire/complete").status, 200);
  run_worker_pass();
  Person cid = person("Cid", "man", "woman", 52.53, 13.41, "always", "any", false);
  set_privacy(cid, {{"discoverable", false}});
  ASSERT_EQ(post(cid, "/api/v1/questionnaire/complete").status, 200);
  run_worker_pass();
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);

  auto anas = matches_of(ana, "?status=all")["matches"];
  ASSERT_EQ(anas.size(), 1u) << "Cid is offered to nobody: " << anas.dump();
  EXPECT_EQ(anas[0]["user"]["user_id"], ben.user.user_id);
  EXPECT_TRUE(anas[0]["user"]["age"].is_null()) << "Ben does not show his age";
  auto bens = matches_of(ben, "?status=all")["matches"];
  ASSERT_EQ(bens.size(), 1u);
  EXPECT_TRUE(bens[0]["user"]["age"].is_number()) << "Ana shows hers";
  EXPECT_EQ(matches_of(cid, "?status=all")["matches"].size(), 0u) << "and Cid is offered nobody";
}
