#include "support/matching_api.hpp"

#include "auth/restrictions.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "support/fixtures.hpp"

namespace pm::test {

using Json = nlohmann::json;

std::vector<std::string> hard_filter_violations(pqxx::connection& conn) {
  pqxx::nontransaction q(conn);
  std::vector<std::string> out;
  for (const auto& r : q.exec(
           "SELECT m.match_id FROM matches m JOIN users a ON a.user_id = m.user_id_1 JOIN users b ON b.user_id = "
           "m.user_id_2 "
           "JOIN user_preferences pa ON pa.user_id = a.user_id JOIN user_preferences pb ON pb.user_id = b.user_id "
           "WHERE m.user_id_1 >= m.user_id_2 "
           "OR NOT (a.seeking_gender IN (b.gender, 'everyone') AND b.seeking_gender IN (a.gender, 'everyone')) "
           "OR date_part('year', age(b.birth_date)) NOT BETWEEN pa.min_age AND pa.max_age "
           "OR date_part('year', age(a.birth_date)) NOT BETWEEN pb.min_age AND pb.max_age "
           // (matching measures between the points of the 0.01 degree grid, each limit 2 km further:
           // matching/repository.cpp)
           "OR ST_Distance(ST_SnapToGrid(a.location_point::geometry, 0.01)::geography, "
           "               ST_SnapToGrid(b.location_point::geometry, 0.01)::geography, false) / 1000 > "
           "   least(coalesce(nullif(pa.max_distance, 0), 100000), coalesce(nullif(pb.max_distance, 0), 100000)) + 2.1 "
           "OR a.profile_visibility = 'hidden' OR b.profile_visibility = 'hidden' "
           "OR NOT a.profile_completed OR NOT b.profile_completed "
           "OR EXISTS (SELECT 1 FROM user_blocks x WHERE (x.blocker_id = a.user_id AND x.blocked_id = b.user_id) "
           "           OR (x.blocker_id = b.user_id AND x.blocked_id = a.user_id))"))
    out.push_back(r[0].as<std::string>());
  return out;
}

void MatchingApi::SetUp() {
  auto config = test_config(db_);
  config.question_bank = "test-bank";
  configure(config);
  config_ = config;
  server_ = std::make_unique<TestServer>(config);
  server_->use_question_bank("test-bank.json");
}

std::string MatchingApi::qid(const std::string& key) { return crypto::uuid_v5("test-bank:" + key); }

Person MatchingApi::person(const std::string& name, const std::string& gender, const std::string& seeking, double lat,
                           double lon, const std::string& truth, const Json& accept, bool complete) {
  Person p{sign_up(*server_, unique_email(name), name, gender, seeking), name};
  auto patch = server_->request(
      "PATCH", "/api/v1/me", Json{{"location", {{"label", "Somewhere"}, {"latitude", lat}, {"longitude", lon}}}}.dump(),
      p.user.auth());
  EXPECT_EQ(patch.status, 200) << patch.body;
  answer(p, "t_q1", {{"value", false}, {"importance", 3}});
  answer(p, "t_q4", {{"value", {"read", "paint"}}, {"acceptable", "any"}, {"importance", 6}});
  answer(p, "t_q5", {{"value", 2}, {"importance", 4}});
  answer(p, "t_q6", {{"value", "I restore old sailing boats and bake sourdough."}});
  answer(p, "t_q7", {{"value", truth}, {"acceptable", accept}, {"importance", 8}});
  answer(p, "t_q12", {{"value", "in"}, {"importance", 5}});
  if (complete) {
    auto done = server_->request("POST", "/api/v1/questionnaire/complete", "", p.user.auth());
    EXPECT_EQ(done.status, 200) << done.body;
    run_worker_pass();  // the vectors, then the first matches, as `perfectmatch worker` makes them
  }
  return p;
}

void MatchingApi::answer(const Person& p, const std::string& key, const Json& body) {
  auto res = server_->request("PUT", "/api/v1/questionnaire/answers/" + qid(key), body.dump(), p.user.auth());
  EXPECT_EQ(res.status, 200) << key << ": " << res.body;
}

HttpResult MatchingApi::get(const Person& p, const std::string& path) {
  return server_->request("GET", path, "", p.user.auth());
}

HttpResult MatchingApi::post(const Person& p, const std::string& path) {
  return server_->request("POST", path, "", p.user.auth());
}

HttpResult MatchingApi::upload_photo(const Person& p) {
  auto photo = server_->request("POST", "/api/v1/me/media", read_fixture("gps.jpg"),
                                {{"Authorization", "Bearer " + p.user.token}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(photo.status, 201) << photo.body;
  return photo;
}

Json MatchingApi::matches_of(const Person& p, const std::string& query) {
  auto res = get(p, "/api/v1/matches" + query);
  EXPECT_EQ(res.status, 200) << res.body;
  return res.status == 200 ? res.json() : Json::object();
}

void MatchingApi::run_worker_pass() {
  auto& engine = server_->app().match_engine;
  auto vectors = engine.run_vector_jobs(50);
  EXPECT_TRUE(vectors) << vectors.error().detail;
  auto generated = engine.run_generation_queue(50);
  EXPECT_TRUE(generated) << generated.error().detail;
}

std::string MatchingApi::match_between(const Person& a, const Person& b) {
  auto all = matches_of(a, "?status=all");
  for (const auto& m : all.value("matches", Json::array()))
    if (m["user"]["user_id"] == b.user.user_id) return m["match_id"];
  ADD_FAILURE() << "no match between " << a.name << " and " << b.name << ": " << all.dump();
  return "";
}

Json MatchingApi::opened_insight_document(const Person& opener, const std::string& match_id) {
  const auto opened = get(opener, "/api/v1/matches/" + match_id);
  EXPECT_EQ(opened.status, 200) << opened.body;
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto rows = q.exec_params("SELECT doc::text FROM compatibility_insight_documents WHERE match_id = $1", match_id);
  if (rows.empty()) {
    ADD_FAILURE() << "no insight document for match " << match_id << " after " << opener.name << " opened it";
    return Json::object();
  }
  return Json::parse(rows[0][0].as<std::string>());
}

void MatchingApi::make_premium(const Person& p) {
  auto conn = db_.connect();
  pqxx::work tx(conn);
  tx.exec_params("UPDATE subscription_details SET plan_type = 'premium', payment_status = 'active' WHERE user_id = $1",
                 p.user.user_id);
  tx.commit();
}

void MatchingApi::suspend(const Person& p, int days) {
  auto& app = server_->app();
  ASSERT_TRUE(db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
                db::AsSystem as_system(tx);
                auth::suspend(tx, p.user.id(), days);
                return true;
              }).has_value());
  ASSERT_TRUE(app.sessions.end_all(p.user.id()).has_value());
}

int MatchingApi::count(const std::string& sql, const std::string& param) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  return q.exec_params1(sql, param)[0].as<int>();
}

void AnaAndBen::SetUp() {
  MatchingApi::SetUp();
  ben_ = person("Ben", "man", "woman", 52.52, 13.40);
  ana_ = person("Ana", "woman", "man", 52.51, 13.39);
  match_ = match_between(ana_, ben_);
}

std::string AnaAndBen::both_like() {
  EXPECT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/like").status, 200);
  auto liked = post(ben_, "/api/v1/matches/" + match_ + "/like");
  EXPECT_EQ(liked.status, 200) << liked.body;
  const auto conversation = liked.json().value("conversation_id", "");
  EXPECT_FALSE(conversation.empty()) << liked.body;
  return conversation;
}

}  // namespace pm::test
