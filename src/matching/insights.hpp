#pragma once
// The built-in insight generator: the seed's compatibility insight (summary, key factors,
// detailed analysis, conversation starters, potential challenges) written from what the two
// users actually answered — the shared answers that set them apart (few people give them),
// shared interests, open answers and the disagreements that matter to them — in short sentences
// about the two from the bank's phrases, never quoting a question or a scale (docs/matching.md).

#include <string>
#include <vector>

#include "core/json.hpp"
#include "matching/answer_frequencies.hpp"
#include "matching/compatibility.hpp"

namespace pm::matching {

inline constexpr const char* kInsightModel = "pm-insights-builtin";
inline constexpr const char* kInsightVersion = "2.0";

struct PairPerson {
  std::string first_name;  // may be empty
  const MatchProfile* profile = nullptr;
  std::vector<std::pair<std::string, std::string>> open_answers;  // (what the question is about, answer)
  std::vector<std::string> key_traits, key_values;
};

struct Attribute {
  std::string name;  // "Shared Values", ...
  double score = 0;  // 0-100
  std::string description;
  std::string question_key;  // the question the description comes from (empty: none both answered); not shown
};

struct Insights {
  std::vector<Attribute> attributes;  // the six, in kAttributeNames order
  std::string summary;
  std::string detailed_analysis;
  std::vector<std::string> conversation_starters;
  std::vector<std::string> potential_challenges;

  // The seed's "insights" object: summary, keyFactors, detailedAnalysis, premiumInsights.
  void write(JsonWriter& out) const;
  Json to_json() const;  // the same, as a tree
  // keyFactors alone: an array of {name, score, description}, one per attribute.
  void write_key_factors(JsonWriter& out) const;
};

// What build_insights writes: everything, or only what generation stores with a match (the six
// attributes and the summary; the prose waits for the match's first opening, docs/matching.md).
enum class InsightParts { all, attributes_and_summary };
// `frequencies`: how often each answer is given (the candidate index's); without them every option
// counts as equally common.
// `stored`: the attributes and summary a match already carries (from its generation; either may be
// empty): kept as they are, and the prose is written around them, so a match never says two things.
Insights build_insights(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const PairScore& score,
                        const AnswerFrequencies* frequencies = nullptr, InsightParts parts = InsightParts::all,
                        const Insights* stored = nullptr);

}  // namespace pm::matching
