#pragma once
// The named features of a pair, as `a` sees `b`, that the calibrated cold-start score weighs
// (cold_start.hpp). Each is something a person could be told about the pair: today's
// questionnaire score, how central b's age is in the range a asked for, how far apart their ages
// are, how many questions both answered, how far apart they live, and how well b's answers suit
// a at each level of importance a gave. Nothing about race or religion enters except through a's
// own stated preferences (the acceptable answers behind the questionnaire parts).
// A feature that is unknown for a pair (no location, no question at that importance) is NaN: the
// model then counts it at its average, so it moves nothing.

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace pm::matching::learning {

enum class Feature : int {
  questionnaire,  // today's score, 0-100 (0 for a dealbreaker)
  age_fit,        // b's age in a's stated range: 1 at its centre, 0 at its ends (or outside)
  age_gap,        // |a's age - b's age|, years
  evidence,       // questions both answered
  distance,       // ln(1 + km) between the two; unknown without both locations
  suits_low,      // of a's shared questions at importance 1-3, the share b's answers suit
  suits_mid,      // ... at importance 4-6
  suits_high,     // ... at importance 7-10
};
inline constexpr int kFeatureCount = static_cast<int>(Feature::suits_high) + 1;

struct FeatureInfo {
  std::string_view name, unit;
};
inline constexpr std::array<FeatureInfo, kFeatureCount> kFeatures = {{
    {"questionnaire", "score points (0-100)"},
    {"age_fit", "0 (edge of the stated age range) to 1 (its centre)"},
    {"age_gap", "years"},
    {"evidence", "questions both answered"},
    {"distance", "ln(1 + km)"},
    {"suits_low", "share of a's importance 1-3 questions b's answers suit"},
    {"suits_mid", "share of a's importance 4-6 questions b's answers suit"},
    {"suits_high", "share of a's importance 7-10 questions b's answers suit"},
}};

inline constexpr float kUnknown = std::numeric_limits<float>::quiet_NaN();

struct PairFeatures {
  std::array<float, kFeatureCount> values;

  PairFeatures() { values.fill(kUnknown); }
  float& operator[](Feature f) { return values[static_cast<int>(f)]; }
  float operator[](Feature f) const { return values[static_cast<int>(f)]; }
  static bool known(float v) { return !std::isnan(v); }
};

// Only today's questionnaire score is known (0-1, as the model's questionnaire feature).
inline PairFeatures questionnaire_only(float score01) {
  PairFeatures f;
  f[Feature::questionnaire] = 100 * score01;
  return f;
}

// The features of a pair as `a` sees `b`; nullopt when the questionnaire part is unknown (either
// answered nothing, or is unknown to the caller). The same function in training and serving.
using PairFeaturesFn = std::function<std::optional<PairFeatures>(const std::string& a, const std::string& b)>;

}  // namespace pm::matching::learning
