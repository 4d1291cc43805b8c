#pragma once
// A fixture for the matching API tests: a server with the test bank and people who sign up, fill
// their profile and answer the questionnaire over HTTP, and helpers to read their matches.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/accounts.hpp"

namespace pm::test {

struct Person {
  TestUser user;
  std::string name;
};

// Stored matches that break a hard filter either way, checked in SQL independently of the engine
// (each returned row is a violating match id). Distance on the sphere, with 100 m of slack.
std::vector<std::string> hard_filter_violations(pqxx::connection& conn);

class MatchingApi : public ::testing::Test {
 protected:
  void SetUp() override;
  // Changes the server's configuration before it starts (e.g. an LLM provider).
  virtual void configure(Config&) {}

  static std::string qid(const std::string& key);
  // Signs up, sets the location and answers the test bank's free questions; `truth` answers t_q7
  // ("Do you tell the truth?") with `accept` as what they accept there. Completes unless told not to.
  Person person(const std::string& name, const std::string& gender, const std::string& seeking, double lat, double lon,
                const std::string& truth = "always", const nlohmann::json& accept = "any", bool complete = true);
  void answer(const Person& p, const std::string& key, const nlohmann::json& body);
  // What `perfectmatch worker` does once: vectors of completed questionnaires, then the queued
  // generations (completing the questionnaire leaves both to the worker).
  void run_worker_pass();
  HttpResult get(const Person& p, const std::string& path);
  HttpResult post(const Person& p, const std::string& path);
  // A photo of theirs (tests/fixtures/gps.jpg), uploaded; fails the test unless it is 201.
  HttpResult upload_photo(const Person& p);
  nlohmann::json matches_of(const Person& p, const std::string& query = "");
  // The id of the match between the two (any status), failing the test if there is none.
  std::string match_between(const Person& a, const Person& b);
  // The match's insight document as stored once `opener` has opened the match (GET
  // /api/v1/matches/{id}: a match's insights are written when first opened); fails the test
  // unless the opening answers 200 and a document is stored.
  nlohmann::json opened_insight_document(const Person& opener, const std::string& match_id);
  void make_premium(const Person& p);
  // Suspends the person for `days` as a moderator does: the suspension and the end of their sessions.
  void suspend(const Person& p, int days = 3);
  // The first column of the first row of `sql` with one parameter.
  int count(const std::string& sql, const std::string& param);

  TestDatabase db_;
  Config config_;
  std::unique_ptr<TestServer> server_;
};

// Ana and Ben in Berlin, each what the other seeks, and the pending match between them.
class AnaAndBen : public MatchingApi {
 protected:
  void SetUp() override;
  // Both like the match: it becomes active and its conversation opens; returns the conversation's
  // id ("" and a test failure if it did not open).
  std::string both_like();

  Person ana_, ben_;
  std::string match_;
};

}  // namespace pm::test
