#pragma once
// The hard filters of match generation, applied both ways: each is the gender the other seeks,
// each age is within the other's range, the distance is within both users' max_distance, neither
// is hidden, both profiles are complete. Self, blocks and existing matches (any status, so a
// pass is final) are excluded by the caller's set of excluded user ids.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pm::matching {

// Genders as bits, so "seeks" is one AND: everyone seeks every bit.
inline constexpr std::uint8_t kWoman = 1, kMan = 2, kNonBinary = 4, kEveryone = 7;
std::uint8_t gender_bit(std::string_view gender);     // 0 when unknown
std::uint8_t seeking_mask(std::string_view seeking);  // 0 when unknown

// What the filters need to know about one user.
struct Facts {
  std::uint8_t gender = 0, seeking = 0;
  std::int16_t age = 0, min_age = 18, max_age = 99;
  float lat = 0, lon = 0;
  bool located = false;
  std::int32_t max_distance_km = 0;  // 0: no limit
  bool hidden = false;
  bool complete = false;  // profile complete and vectors computed
};

double distance_km(float lat1, float lon1, float lat2, float lon2);

// Why a pair fails the filters (nullopt: it passes), checked both ways.
std::optional<std::string_view> filter_failure(const Facts& a, const Facts& b);
inline bool passes_filters(const Facts& a, const Facts& b) { return !filter_failure(a, b); }

}  // namespace pm::matching
