#pragma once
// How often each answer is given: per scorable question, how many people answered it and how
// many chose each option (choice questions) or sat at each step (sliders). The candidate index
// keeps it over everyone it holds, so insights can tell an answer few people share from one
// nearly everyone gives (docs/matching.md, Insights). Counts of answers only: nothing about who.

#include <vector>

#include "matching/scoring_bank.hpp"

namespace pm::matching {

class AnswerFrequencies {
 public:
  AnswerFrequencies() = default;
  explicit AnswerFrequencies(const ScoringBank& bank);

  // Counts (`sign` +1) or uncounts (-1) one person's answers, packed by slot.
  void count(const std::vector<CompactAnswer>& answers, int sign = 1);

  // The share (0-1) of the people who answered the slot's question who chose option `option`;
  // with nobody counted yet, an even split between the options.
  double option_share(int slot, int option) const;
  // The share of those who answered the slider whose step lies in [lo, hi] (clamped to the
  // scale); with nobody counted yet, the range's part of the scale.
  double step_share(int slot, int lo, int hi) const;
  long long answered(int slot) const;

 private:
  std::vector<long long> answered_;             // by slot
  std::vector<std::vector<long long>> counts_;  // by slot: per option, or per slider step
  std::vector<char> slider_;                    // by slot
};

}  // namespace pm::matching
