#include "matching/filters.hpp"

#include <cmath>

namespace pm::matching {

std::uint8_t gender_bit(std::string_view g) {
  return g == "woman" ? kWoman : g == "man" ? kMan : g == "non_binary" ? kNonBinary : 0;
}

std::uint8_t seeking_mask(std::string_view s) { return s == "everyone" ? kEveryone : gender_bit(s); }

double distance_km(float lat1, float lon1, float lat2, float lon2) {
  // Haversine on a sphere of the Earth's mean radius: within 0.5% of PostGIS's spheroid.
  constexpr double kRad = 3.14159265358979323846 / 180, kEarthKm = 6371.0088;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
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
