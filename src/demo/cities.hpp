#pragma once
// Where demo users live: real cities, weighted roughly by size, each user a few km of Gaussian
// jitter from the centre, so distance filters see both neighbours and far-away people.

#include <span>
#include <string_view>

namespace pm::demo {

struct City {
  std::string_view label;  // as a user would type it: "London, UK"
  double latitude, longitude;
  double weight;     // share of users, relative
  double spread_km;  // standard deviation of the jitter
};

std::span<const City> cities();

}  // namespace pm::demo
