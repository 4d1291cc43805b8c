#include "demo/cities.hpp"

namespace pm::demo {

namespace {

constexpr City kCities[] = {
    {"New York, NY", 40.7128, -74.0060, 14, 6},      {"London, UK", 51.5074, -0.1278, 13, 6},
    {"Paris, France", 48.8566, 2.3522, 9, 4},        {"Berlin, Germany", 52.5200, 13.4050, 8, 5},
    {"Madrid, Spain", 40.4168, -3.7038, 7, 4},       {"Toronto, Canada", 43.6532, -79.3832, 7, 5},
    {"Chicago, IL", 41.8781, -87.6298, 8, 6},        {"San Francisco, CA", 37.7749, -122.4194, 7, 3},
    {"Sydney, Australia", -33.8688, 151.2093, 7, 6}, {"Amsterdam, Netherlands", 52.3676, 4.9041, 5, 3},
    {"Dublin, Ireland", 53.3498, -6.2603, 4, 3},     {"Austin, TX", 30.2672, -97.7431, 5, 5},
};

}  // namespace

std::span<const City> cities() { return kCities; }

}  // namespace pm::demo
