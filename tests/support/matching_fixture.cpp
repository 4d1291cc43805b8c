#include "support/matching_fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "matching/vectors.hpp"
#include "questionnaire/bank.hpp"

namespace pm::test {

namespace {

std::shared_ptr<const matching::ScoringBank> scoring_bank_of(const std::string& file) {
  std::ifstream in(std::string(PM_SOURCE_DIR) + "/data/questions/" + file);
  std::stringstream text;
  text << in.rdbuf();
  auto bank = questionnaire::parse_bank(Json::parse(text.str()));
  if (!bank) throw std::runtime_error(file + ": " + bank.error().detail);
  return std::make_shared<const matching::ScoringBank>(std::move(*bank));
}

}  // namespace

std::shared_ptr<const matching::ScoringBank> test_scoring_bank() { return scoring_bank_of("test-bank.json"); }

std::shared_ptr<const matching::ScoringBank> perfect_match_scoring_bank() {
  return scoring_bank_of("perfect-match.json");
}

UserBuilder::UserBuilder(const matching::ScoringBank& bank, std::string id) : bank_(bank) {
  user_.user_id = std::move(id);
  user_.profile.answers.resize(bank.slots().size());
  user_.facts = woman_seeking_man();
}

UserBuilder& UserBuilder::answer(const std::string& key, const Json& value, const Json& acceptable, int importance) {
  const auto* q = bank_.bank().question_by_key(key);
  if (!q) throw std::invalid_argument("no question " + key);
  auto slot = bank_.slot_of(q->id);
  if (!slot) throw std::invalid_argument(key + " is not scorable");
  auto packed = bank_.encode(*slot, value, acceptable, importance);
  if (!packed) throw std::invalid_argument("answer does not fit " + key);
  user_.profile.answers[*slot] = *packed;
  return *this;
}

UserBuilder& UserBuilder::facts(matching::Facts f) {
  user_.facts = f;
  return *this;
}

matching::IndexedUser UserBuilder::build() const {
  matching::IndexedUser u = user_;
  u.profile.traits = matching::trait_vectors(bank_, u.profile.answers).profile;
  return u;
}

matching::Facts woman_seeking_man(float lat, float lon) {
  return {.gender = matching::kWoman,
          .seeking = matching::kMan,
          .age = 30,
          .min_age = 25,
          .max_age = 40,
          .lat = lat,
          .lon = lon,
          .located = true,
          .max_distance_km = 50,
          .hidden = false,
          .complete = true};
}

matching::Facts man_seeking_woman(float lat, float lon) {
  auto f = woman_seeking_man(lat, lon);
  f.gender = matching::kMan;
  f.seeking = matching::kWoman;
  return f;
}

}  // namespace pm::test
