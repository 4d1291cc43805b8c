// The built-in insights over many demo pairs (the demo generator's people answering the real
// bank): short sentences about the two, never a question's text or a scale's definition, each
// attribute explained by one of its own questions and no sentence told twice; and a rarer shared
// answer is told before a common one.

#include <chrono>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "demo/answers.hpp"
#include "demo/person.hpp"
#include "matching/answer_frequencies.hpp"
#include "matching/compatibility.hpp"
#include "matching/engine.hpp"
#include "matching/insights.hpp"
#include "matching/vectors.hpp"
#include "questionnaire/bank.hpp"
#include "support/matching_fixture.hpp"

using namespace pm;
using namespace pm::matching;

namespace {

std::shared_ptr<const ScoringBank> real_bank() {
  std::ifstream in(std::string(PM_SOURCE_DIR) + "/data/questions/perfect-match.json");
  std::stringstream text;
  text << in.rdbuf();
  auto bank = questionnaire::parse_bank(Json::parse(text.str()));
  if (!bank) throw std::runtime_error("bank: " + bank.error().detail);
  return std::make_shared<const ScoringBank>(std::move(*bank));
}

struct DemoPerson {
  std::string name;
  MatchProfile profile;
  std::vector<std::pair<std::string, std::string>> open_answers;
  TraitVectors vectors;
};

// `n` demo people, as `perfectmatch seed --seed 7` would make them.
std::vector<DemoPerson> demo_people(const ScoringBank& bank, int n) {
  const std::chrono::year_month_day today{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{1}};
  std::vector<DemoPerson> out;
  for (int number = 1; number <= n; ++number) {
    demo::Person p = demo::make_person(7, number, today);
    demo::Rng stream = demo::Rng::stream(7, static_cast<std::uint64_t>(p.answers_of), "answers");
    std::vector<AnswerValue> answers;
    for (const auto& a : demo::answer_bank(bank.bank(), p.personality, p.interests, p.premium, stream))
      answers.push_back({a.question->id, a.value, a.acceptable, a.importance});
    DemoPerson d{.name = p.first_name, .open_answers = bank.open_answers(answers)};
    d.profile.answers = bank.encode_all(answers);
    d.vectors = trait_vectors(bank, d.profile.answers);
    d.profile.traits = d.vectors.profile;
    out.push_back(std::move(d));
  }
  return out;
}

PairPerson pair_person(const DemoPerson& d) {
  return {.first_name = d.name,
          .profile = &d.profile,
          .open_answers = d.open_answers,
          .key_traits = d.vectors.key_traits,
          .key_values = d.vectors.key_values};
}

// Every text of an insight a person reads.
std::vector<std::string> texts_of(const Insights& in) {
  std::vector<std::string> out{in.summary, in.detailed_analysis};
  for (const auto& a : in.attributes) out.push_back(a.description);
  for (const auto& s : in.conversation_starters) out.push_back(s);
  for (const auto& s : in.potential_challenges) out.push_back(s);
  return out;
}

class Insights200Pairs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bank_ = real_bank();
    people_ = demo_people(*bank_, 120);
    frequencies_ = AnswerFrequencies(*bank_);
    for (const auto& p : people_) frequencies_.count(p.profile.answers);
  }
  // The insights of 200 pairs of the demo people (each with the next but one, and so on).
  template <class Fn>
  void for_each_pair(Fn&& fn) {
    int pairs = 0;
    for (std::size_t i = 0; i < people_.size() && pairs < 200; ++i)
      for (std::size_t step : {1u, 7u}) {
        const auto& a = people_[i];
        const auto& b = people_[(i + step) % people_.size()];
        PairScore s = score_pair(*bank_, a.profile, b.profile);
        fn(build_insights(*bank_, pair_person(a), pair_person(b), s, &frequencies_), a, b);
        ++pairs;
      }
  }
  static inline std::shared_ptr<const ScoringBank> bank_;
  static inline std::vector<DemoPerson> people_;
  static inline AnswerFrequencies frequencies_;
};

}  // namespace

TEST_F(Insights200Pairs, NoTextQuotesAQuestionOrAScaleDefinition) {
  // (an option's label may read like a scale's end elsewhere: "It's a dealbreaker" is both)
  std::set<std::string> option_labels;
  for (const auto* q : bank_->bank().questions())
    for (const auto& o : q->options) option_labels.insert(o.label);
  for_each_pair([&](const Insights& in, const DemoPerson&, const DemoPerson&) {
    for (const auto& text : texts_of(in)) {
      EXPECT_EQ(text.find("on a scale"), std::string::npos) << text;
      for (const auto* q : bank_->bank().questions()) {
        EXPECT_EQ(text.find(q->text), std::string::npos) << text << " quotes " << q->key;
        if (q->type == questionnaire::QuestionType::slider)
          for (const auto& label : {q->slider.min_label, q->slider.max_label})
            if (!option_labels.contains(label)) {
              EXPECT_EQ(text.find("\u201c" + label + "\u201d"), std::string::npos) << text;
            }
      }
    }
  });
}

TEST_F(Insights200Pairs, EachAttributeIsExplainedByOneOfItsOwnQuestionsAndNoSentenceRepeats) {
  int explained = 0;
  for_each_pair([&](const Insights& in, const DemoPerson& a, const DemoPerson& b) {
    ASSERT_EQ(in.attributes.size(), kAttributeNames.size());
    std::set<std::string> told;
    for (std::size_t k = 0; k < in.attributes.size(); ++k) {
      const auto& attr = in.attributes[k];
      EXPECT_TRUE(told.insert(attr.description).second) << "told twice: " << attr.description;
      EXPECT_LE(attr.description.size(), 220u) << "not short: " << attr.description;
      if (attr.question_key.empty()) continue;
      ++explained;
      const auto* q = bank_->bank().question_by_key(attr.question_key);
      ASSERT_NE(q, nullptr);
      const int slot = *bank_->slot_of(q->id);
      EXPECT_EQ(bank_->slots()[slot].attribute, static_cast<int>(k))
          << attr.name << " explained by " << attr.question_key;
      // Grounded: both answered the question it comes from.
      EXPECT_TRUE(a.profile.answers[slot].answered() && b.profile.answers[slot].answered()) << attr.description;
    }
  });
  EXPECT_GT(explained, 200 * 5) << "nearly every attribute of a demo pair has a question both answered";
}

// The bank's topics are phrases of every shape ("how directly to raise a problem", "seeing the
// other side of a disagreement", "how much a partner's religion matters"): the sentences around
// them must read right with each ("see seeing ...", "why ... matters matters" did not), and a
// yes-or-no answer is no interest to ask about ("you both picked yes").
TEST_F(Insights200Pairs, EverySentenceReadsRightWhateverTheTopic) {
  int starters = 0;
  for_each_pair([&](const Insights& in, const DemoPerson&, const DemoPerson&) {
    starters += static_cast<int>(in.conversation_starters.size());
    for (const auto& text : texts_of(in)) {
      std::istringstream words(text);
      std::string word, before;
      while (words >> word) {
        EXPECT_NE(word, before) << "a word twice over: " << text;
        before = word;
      }
      EXPECT_EQ(text.find("see seeing"), std::string::npos) << text;
      EXPECT_EQ(text.find("picked yes"), std::string::npos) << text;
      EXPECT_EQ(text.find("picked no:"), std::string::npos) << text;
    }
  });
  EXPECT_GT(starters, 200) << "the pairs have conversation starters to check";
}

TEST_F(Insights200Pairs, TheSummarysScoreIsRoundedAsEveryClientRoundsIt) {
  const auto& a = people_[0];
  const auto& b = people_[1];
  PairScore s = score_pair(*bank_, a.profile, b.profile);
  for (const auto& [score, shown] : {std::pair{64.5, "65%"}, {62.5, "63%"}, {64.49, "64%"}, {99.5, "100%"}}) {
    s.score = score;
    const auto in = build_insights(*bank_, pair_person(a), pair_person(b), s, &frequencies_);
    EXPECT_TRUE(in.summary.starts_with(std::string(shown) + " compatible.")) << score << ": " << in.summary;
  }
}

// Generation builds only what it stores with a match (the prose waits for its first opening): the
// same attributes and summary as the whole build, and no prose.
TEST_F(Insights200Pairs, TheAttributesAndSummaryAloneAreTheWholeBuildsOwn) {
  int pairs = 0;
  for_each_pair([&](const Insights& whole, const DemoPerson& a, const DemoPerson& b) {
    const PairScore s = score_pair(*bank_, a.profile, b.profile);
    const auto part =
        build_insights(*bank_, pair_person(a), pair_person(b), s, &frequencies_, InsightParts::attributes_and_summary);
    EXPECT_EQ(part.summary, whole.summary);
    ASSERT_EQ(part.attributes.size(), whole.attributes.size());
    for (std::size_t k = 0; k < part.attributes.size(); ++k) {
      EXPECT_EQ(part.attributes[k].description, whole.attributes[k].description);
      EXPECT_EQ(part.attributes[k].score, whole.attributes[k].score);
    }
    EXPECT_TRUE(part.detailed_analysis.empty() && part.conversation_starters.empty() &&
                part.potential_challenges.empty());
    EXPECT_FALSE(whole.detailed_analysis.empty());
    ++pairs;
  });
  EXPECT_EQ(pairs, 200);
}

TEST_F(Insights200Pairs, SmokingNeverExplainsSharedValues) {
  for_each_pair([&](const Insights& in, const DemoPerson&, const DemoPerson&) {
    const auto& values = in.attributes[attribute_index("shared_values")];
    EXPECT_NE(values.question_key, "db_smoking") << values.description;
    EXPECT_EQ(values.description.find("smok"), std::string::npos) << values.description;
  });
}

TEST(Insights, ARarerSharedAnswerIsToldBeforeACommonOne) {
  auto bank = real_bank();
  // Both answered two Lifestyle questions the same way: no smoking (what most say) and vegan
  // (what few say), each as much as the other.
  auto person = [&](const char* id) {
    return test::UserBuilder(*bank, id)
        .answer("db_smoking", "never", "any", 5)
        .answer("ls_diet", "vegan", "any", 5)
        .profile();
  };
  const MatchProfile a = person("a"), b = person("b");
  AnswerFrequencies population(*bank);
  for (int i = 0; i < 100; ++i) {
    auto builder = test::UserBuilder(*bank, "p");
    builder.answer("db_smoking", i < 80 ? "never" : "regularly", "any", 5);
    builder.answer("ls_diet", i < 5 ? "vegan" : "everything", "any", 5);
    population.count(builder.profile().answers);
  }
  PairScore s = score_pair(*bank, a, b);
  auto told =
      build_insights(*bank, {.first_name = "Ana", .profile = &a}, {.first_name = "Ben", .profile = &b}, s, &population);
  const auto& lifestyle = told.attributes[attribute_index("lifestyle")];
  EXPECT_EQ(lifestyle.question_key, "ls_diet");
  EXPECT_EQ(lifestyle.description, "Ana and Ben are both vegan.");

  // Where most people are vegan and few never smoke, the other way round.
  AnswerFrequencies other(*bank);
  for (int i = 0; i < 100; ++i) {
    auto builder = test::UserBuilder(*bank, "p");
    builder.answer("db_smoking", i < 5 ? "never" : "regularly", "any", 5);
    builder.answer("ls_diet", i < 80 ? "vegan" : "everything", "any", 5);
    other.count(builder.profile().answers);
  }
  told = build_insights(*bank, {.first_name = "Ana", .profile = &a}, {.first_name = "Ben", .profile = &b}, s, &other);
  EXPECT_EQ(told.attributes[attribute_index("lifestyle")].description, "Ana and Ben both never smoke.");
}

TEST_F(Insights200Pairs, TheStoredJsonCarriesEveryTextAndTheScoresInTheStoredOrder) {
  for_each_pair([&](const Insights& in, const DemoPerson& a, const DemoPerson& b) {
    const Json doc = in.to_json();  // JsonWriter's text, parsed
    EXPECT_EQ(doc["summary"], in.summary);
    EXPECT_EQ(doc["detailedAnalysis"], in.detailed_analysis);
    EXPECT_EQ(doc["premiumInsights"]["conversationStarters"], Json(in.conversation_starters));
    EXPECT_EQ(doc["premiumInsights"]["potentialChallenges"], Json(in.potential_challenges));
    ASSERT_EQ(doc["keyFactors"].size(), in.attributes.size());
    for (std::size_t k = 0; k < in.attributes.size(); ++k) {
      EXPECT_EQ(doc["keyFactors"][k]["name"], in.attributes[k].name);
      EXPECT_EQ(doc["keyFactors"][k]["score"].get<double>(), in.attributes[k].score);
      EXPECT_EQ(doc["keyFactors"][k]["description"], in.attributes[k].description);
    }
    // matches.score_details: the first satisfaction is the stored first user's.
    const PairScore s = score_pair(*bank_, a.profile, b.profile);
    const Json ab = Json::parse(Engine::score_details(s, in));
    const Json ba = Json::parse(Engine::score_details(s, in, true));
    EXPECT_EQ(ab["score"].get<double>(), s.score);
    EXPECT_EQ(ab["satisfaction"]["first"].get<double>(), std::round(s.a_satisfied * 10) / 10);
    EXPECT_EQ(ab["satisfaction"]["second"].get<double>(), std::round(s.b_satisfied * 10) / 10);
    EXPECT_EQ(ba["satisfaction"]["first"], ab["satisfaction"]["second"]);
    EXPECT_EQ(ba["satisfaction"]["second"], ab["satisfaction"]["first"]);
    EXPECT_EQ(ab["attributes"], doc["keyFactors"]);
    EXPECT_EQ(ab["shared_questions"].get<int>(), s.shared);
  });
}
