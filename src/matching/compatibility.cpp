#include "matching/compatibility.hpp"

#include <algorithm>
#include <cmath>

namespace pm::matching {

namespace {

// Blend of the parts (sums to 1). Answers dominate: they are what the users told us matters.
constexpr double kAnswerWeight = 0.70, kTraitWeight = 0.20, kTextWeight = 0.10;

}  // namespace

double agreement(double earned_a, double possible_a, double earned_b, double possible_b, int shared, bool margin) {
  if (shared == 0) return 0;
  // Nothing asked for (every importance 0) cannot be disappointed.
  double sa = possible_a > 0 ? earned_a / possible_a : 1.0;
  double sb = possible_b > 0 ? earned_b / possible_b : 1.0;
  return std::max(0.0, std::sqrt(sa * sb) - (margin ? 1.0 / shared : 0.0));
}

double trait_part(float traits_dot) { return std::clamp((1.0 + traits_dot) / 2.0, 0.0, 1.0); }

bool has_text(const float* text, std::size_t size) { return size > 0 && dot(text, text, size) > 0.5f; }

double blended_score(double answers, double traits, std::optional<float> text_dot, double* text_part) {
  double score;
  if (text_dot) {
    const double text = std::clamp(static_cast<double>(*text_dot), 0.0, 1.0);
    if (text_part) *text_part = text;
    score = kAnswerWeight * answers + kTraitWeight * traits + kTextWeight * text;
  } else {
    score = (kAnswerWeight * answers + kTraitWeight * traits) / (kAnswerWeight + kTraitWeight);
  }
  return std::round(1000 * score) / 10;
}

bool accepts(const CompactAnswer& wanted, const CompactAnswer& answer, bool slider) {
  if (wanted.accepts_any()) return true;
  if (slider) return answer.value >= wanted.accept_lo && answer.value <= wanted.accept_hi;
  return (answer.value & wanted.accept_lo) != 0;
}

float dot(const float* a, const float* b, std::size_t size) {
  // kDotLanes partial sums (element i goes to sum i % 8), then a fixed tree: the order of an
  // 8-float register's horizontal sum, which trait_dot's AVX2 path (pair_kernel.cpp) follows
  // exactly. Independent sums, not one chain of dependent additions; the compiler vectorises
  // this loop without changing its order (no -ffast-math; -ffp-contract=off: CMakeLists.txt).
  float s[kDotLanes] = {};
  std::size_t i = 0;
  for (; i + kDotLanes <= size; i += kDotLanes)
    for (std::size_t j = 0; j < kDotLanes; ++j) s[j] += a[i + j] * b[i + j];
  for (std::size_t j = 0; i + j < size; ++j) s[j] += a[i + j] * b[i + j];
  const float h0 = s[0] + s[4], h1 = s[1] + s[5], h2 = s[2] + s[6], h3 = s[3] + s[7];
  return (h0 + h2) + (h1 + h3);
}

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.empty() || a.size() != b.size()) return 0;
  return dot(a.data(), b.data(), a.size());
}

PairScore score_pair(const ScoringBank& bank, const MatchProfile& a, const MatchProfile& b) {
  PairScore out;
  const auto& slots = bank.slots();
  constexpr std::size_t kAttrs = kAttributeKeys.size();
  // [attribute][0: A's side, 1: B's side]; the last row is the total.
  double earned[kAttrs + 1][2] = {}, possible[kAttrs + 1][2] = {};
  int shared[kAttrs + 1] = {};
  const std::size_t n = std::min({slots.size(), a.answers.size(), b.answers.size()});
  for (std::size_t i = 0; i < n; ++i) {
    const CompactAnswer& x = a.answers[i];
    const CompactAnswer& y = b.answers[i];
    if (!x.answered() || !y.answered()) continue;
    const Slot& slot = slots[i];
    const double base = slot.question->importance_weight;
    const double wa = base * kImportanceWeight[x.importance], wb = base * kImportanceWeight[y.importance];
    const bool a_likes = accepts(x, y, slot.slider), b_likes = accepts(y, x, slot.slider);
    if ((!a_likes && x.importance >= 10) || (!b_likes && y.importance >= 10)) {
      if (!out.dealbreaker) out.dealbreaker = static_cast<int>(i);
    }
    for (std::size_t row : {kAttrs, slot.attribute >= 0 ? static_cast<std::size_t>(slot.attribute) : kAttrs + 1}) {
      if (row > kAttrs) continue;
      possible[row][0] += wa;
      possible[row][1] += wb;
      if (a_likes) earned[row][0] += wa;
      if (b_likes) earned[row][1] += wb;
      ++shared[row];
    }
  }
  out.shared = shared[kAttrs];
  out.a_satisfied =
      100 * (possible[kAttrs][0] > 0 ? earned[kAttrs][0] / possible[kAttrs][0] : (out.shared ? 1.0 : 0.0));
  out.b_satisfied =
      100 * (possible[kAttrs][1] > 0 ? earned[kAttrs][1] / possible[kAttrs][1] : (out.shared ? 1.0 : 0.0));
  out.answers =
      agreement(earned[kAttrs][0], possible[kAttrs][0], earned[kAttrs][1], possible[kAttrs][1], out.shared, true);
  out.traits = trait_part(dot(a.traits, b.traits));
  const bool text = has_text(a.text.data(), a.text.size()) && has_text(b.text.data(), b.text.size());
  const double score =
      blended_score(out.answers, out.traits, text ? std::optional(dot(a.text, b.text)) : std::nullopt, &out.text);
  for (std::size_t k = 0; k < kAttrs; ++k)
    out.attributes[k] = std::round(1000 * (shared[k] ? agreement(earned[k][0], possible[k][0], earned[k][1],
                                                                 possible[k][1], shared[k], false)
                                                     : out.traits)) /
                        10;
  out.score = out.excluded() ? 0 : score;
  return out;
}

}  // namespace pm::matching
