#pragma once
// The built-in insight generator: the seed's compatibility insight (summary, key factors,
// detailed analysis, conversation starters, potential challenges) written from what the two
// users actually answered — their strongest shared answers, shared interests, open answers and
// the disagreements that matter to them — never canned text that ignores the pair.

#include <string>
#include <vector>

#include "core/json.hpp"
#include "matching/compatibility.hpp"

namespace pm::matching {

inline constexpr const char* kInsightModel = "pm-insights-builtin";
inline constexpr const char* kInsightVersion = "1.0";

struct PairPerson {
  std::string first_name;  // may be empty
  const MatchProfile* profile = nullptr;
  std::vector<std::pair<std::string, std::string>> open_answers;  // (question text, answer)
  std::vector<std::string> key_traits, key_values;
};

struct Attribute {
  std::string name;  // "Shared Values", ...
  double score = 0;  // 0-100
  std::string description;
};

struct Insights {
  std::vector<Attribute> attributes;  // the six, in kAttributeNames order
  std::string summary;
  std::string detailed_analysis;
  std::vector<std::string> conversation_starters;
  std::vector<std::string> potential_challenges;

  // The seed's "insights" object: summary, keyFactors, detailedAnalysis, premiumInsights.
  Json to_json() const;
};

Insights build_insights(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const PairScore& score);

}  // namespace pm::matching
