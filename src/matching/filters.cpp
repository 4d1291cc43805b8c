#include "matching/filters.hpp"

#include <algorithm>
#include <cmath>

namespace pm::matching {

std::uint8_t gender_bit(std::string_view g) {
  return g == "woman" ? kWoman : g == "man" ? kMan : g == "non_binary" ? kNonBinary : 0;
}

std::uint8_t seeking_mask(std::string_view s) { return s == "everyone" ? kEveryone : gender_bit(s); }

namespace {
constexpr double kEarthKm = 6371.0088;
}  // namespace

double distance_km(float lat1, float lon1, float lat2, float lon2) {
  // Haversine on a sphere of the Earth's mean radius: within 0.5% of PostGIS's spheroid.
  double dlat = (lat2 - lat1) * kRadiansPerDegree, dlon = (lon2 - lon1) * kRadiansPerDegree;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRadiansPerDegree) *
                                                           std::cos(lat2 * kRadiansPerDegree) * std::sin(dlon / 2) *
                                                           std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
}

UnitVector unit_vector(float lat, float lon) {
  const double phi = lat * kRadiansPerDegree, lambda = lon * kRadiansPerDegree;
  return {static_cast<float>(std::cos(phi) * std::cos(lambda)), static_cast<float>(std::cos(phi) * std::sin(lambda)),
          static_cast<float>(std::sin(phi))};
}

ChordBounds chord_bounds(double limit_km) {
  // The chord of an arc of angle t on the unit sphere is 2 sin(t / 2); haversine's distance is
  // 2R asin(chord / 2), the same relation. The vectors are floats (each component within 6e-8)
  // and chord2 adds float rounding: the chord is known to within ~3e-7, a few metres. The margin,
  // 1e-5 (64 m on the ground), leaves that error far behind; pairs within it of the limit are
  // left to distance_km.
  constexpr double kMargin = 1e-5;
  const double half_angle = limit_km / kEarthKm / 2;
  if (half_angle >= std::numbers::pi / 2) return {8.0f, 8.0f};  // every pair (chord2 <= 4)
  const double chord = 2 * std::sin(half_angle);
  const double lo = std::max(0.0, chord - kMargin), hi = chord + kMargin;
  return {static_cast<float>(lo * lo), static_cast<float>(hi * hi)};
}

std::optional<std::string_view> filter_failure(const Facts& a, const Facts& b) {
  if (!a.complete || !b.complete) return "profile incomplete";
  if (a.hidden || b.hidden) return "profile hidden";
  if (!(a.seeking & b.gender) || !(b.seeking & a.gender)) return "gender not sought";
  if (b.age < a.min_age || b.age > a.max_age || a.age < b.min_age || a.age > b.max_age) return "age out of range";
  if (a.max_distance_km > 0 || b.max_distance_km > 0) {
    if (!a.located || !b.located) return "no location";
    double d = distance_km(a.lat, a.lon, b.lat, b.lon);
    if ((a.max_distance_km > 0 && d > a.max_distance_km) || (b.max_distance_km > 0 && d > b.max_distance_km))
      return "too far";
  }
  return std::nullopt;
}

}  // namespace pm::matching
