#pragma once
// Compatibility of two users, 0-100, in the manner of OkCupid's published method:
//   for each question both answered, A earns B's weight for it when A's answer is one B accepts;
//   B's satisfaction with A is earned / possible; the answer score is the geometric mean of the
//   two satisfactions minus a margin of error 1/n for n shared questions (few shared questions
//   cannot give a high score).
// A question's weight for a user is the bank's importance_weight times a steep function of the
// user's own importance (0-10; see kImportanceWeight). An answer the other marks unacceptable at
// importance 10 is a dealbreaker: the pair is excluded.
// The final score blends the answer score with personality/values/lifestyle vector similarity and
// text similarity (bio and open answers); the weights are in compatibility.cpp and docs/matching.md.

#include <array>
#include <optional>
#include <vector>

#include "matching/scoring_bank.hpp"

namespace pm::matching {

// What scoring needs to know about one user.
struct MatchProfile {
  std::vector<CompactAnswer> answers;  // by slot; size == bank.slots().size()
  std::vector<float> traits;           // unit-length trait vector (profileVector), or empty
  std::vector<float> text;             // unit-length text embedding, or empty / zeros
};

struct PairScore {
  double score = 0;                                        // 0-100 (0 when excluded)
  double a_satisfied = 0;                                  // 0-100: how well B's answers suit A
  double b_satisfied = 0;                                  // 0-100: how well A's answers suit B
  double answers = 0, traits = 0, text = -1;               // the parts, 0-1 (text -1: not both have text)
  int shared = 0;                                          // questions both answered
  std::optional<int> dealbreaker;                          // slot of the first dealbreaker found
  std::array<double, kAttributeKeys.size()> attributes{};  // 0-100 each

  bool excluded() const { return dealbreaker.has_value(); }
};

// The weight of a user's importance 0-10 (OkCupid uses 0, 1, 10, 50, 250 for its five levels).
inline constexpr std::array<int, 11> kImportanceWeight = {0, 1, 2, 4, 7, 10, 15, 25, 40, 70, 250};

// Whether `answer` (someone's) is one `wanted` accepts (the other's answer to the same question).
bool accepts(const CompactAnswer& wanted, const CompactAnswer& answer, bool slider);

PairScore score_pair(const ScoringBank& bank, const MatchProfile& a, const MatchProfile& b);

// Dot product of two equal-length vectors (cosine for unit vectors); 0 when either is empty.
// Summed in float in one fixed order: element i into partial sum i % kDotLanes, the partial
// sums then added as (s0+s4 + s2+s6) + (s1+s5 + s3+s7). The search kernel's AVX2 dot
// (trait_dot, pair_kernel.hpp) adds in exactly this order, so its scores are score_pair's to the
// last bit. (Until issue 20 the products were added one after the other: scores stored before
// may differ from today's in the last bit of the trait part, rarely by 0.1 after rounding.)
inline constexpr std::size_t kDotLanes = 8;
float dot(const std::vector<float>& a, const std::vector<float>& b);
float dot(const float* a, const float* b, std::size_t size);

// The pieces of score_pair's total, shared with the search kernel so both compute it alike:
// the geometric mean of the two satisfactions less `margin` 1/shared (OkCupid's; an attribute,
// often a handful of questions, is shown without it); the trait part from the traits' dot
// product; whether a text embedding counts (non-empty, not all zeros); and the 0-100 total
// rounded to 0.1 from the parts (text_dot: only when both have text; text_part receives it).
double agreement(double earned_a, double possible_a, double earned_b, double possible_b, int shared, bool margin);
double trait_part(float traits_dot);
bool has_text(const float* text, std::size_t size);
double blended_score(double answers, double traits, std::optional<float> text_dot, double* text_part = nullptr);

}  // namespace pm::matching
