#pragma once
// The test bank (data/questions/test-bank.json) as the matching engine sees it, and helpers that
// make users from readable answers: answer("t_q7", "always", {"always"}, 5).

#include <memory>
#include <string>

#include "matching/candidate_index.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::test {

std::shared_ptr<const matching::ScoringBank> test_scoring_bank();
// The product's bank (data/questions/perfect-match.json): what the demo people and the simulator answer.
std::shared_ptr<const matching::ScoringBank> perfect_match_scoring_bank();

class UserBuilder {
 public:
  explicit UserBuilder(const matching::ScoringBank& bank, std::string id = "u");
  // acceptable: "any", a list of option keys / booleans, or {"min", "max"} for sliders.
  UserBuilder& answer(const std::string& key, const Json& value, const Json& acceptable = "any", int importance = 5);
  UserBuilder& facts(matching::Facts f);
  matching::IndexedUser build() const;  // vectors computed from the answers
  matching::MatchProfile profile() const { return build().profile; }

 private:
  const matching::ScoringBank& bank_;
  matching::IndexedUser user_;
};

// A located, complete woman of 30 seeking men (ages 25-40, 50 km) or the reverse.
matching::Facts woman_seeking_man(float lat = 52.52f, float lon = 13.40f);
matching::Facts man_seeking_woman(float lat = 52.52f, float lon = 13.40f);

}  // namespace pm::test
