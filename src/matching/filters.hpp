#pragma once
// The hard filters of match generation, applied both ways: each is the gender the other seeks,
// each age is within the other's range, the distance is within both users' max_distance, neither
// is hidden, both profiles are complete. Self, blocks and existing matches (any status, so a
// pass is final) are excluded by the caller's set of excluded user ids.

#include <cstdint>
#include <numbers>
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

inline constexpr double kRadiansPerDegree = std::numbers::pi / 180;

double distance_km(float lat1, float lon1, float lat2, float lon2);

// Certain answers to "is distance_km within a limit?" without its trigonometry, for the search's
// scan (candidate_index.cpp): a point as a unit vector (computed once per user), a distance as
// the squared chord between two of them (monotonic in the great-circle distance), and for each
// limit two squared chords with a margin either side of the limit's own (ChordBounds) far wider
// than the rounding of either computation, so that only pairs within metres of the limit
// (borderline) need distance_km to decide, and every decision is distance_km's.
struct UnitVector {
  float x = 0, y = 0, z = 0;
};
UnitVector unit_vector(float lat, float lon);
inline float chord2(const UnitVector& a, const UnitVector& b) {
  const float dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}
struct ChordBounds {
  float within = 0;  // chord2 <= within: distance_km <= the limit, certainly
  float beyond = 0;  // chord2 > beyond: distance_km > the limit, certainly
};
ChordBounds chord_bounds(double limit_km);

// Why a pair fails the filters (nullopt: it passes), checked both ways.
std::optional<std::string_view> filter_failure(const Facts& a, const Facts& b);
inline bool passes_filters(const Facts& a, const Facts& b) { return !filter_failure(a, b); }

}  // namespace pm::matching
