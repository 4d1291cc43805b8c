#pragma once
// The documented value sets of a person's profile (docs/openapi.yaml repeats them for clients).
// Below every module: sign-up (auth) and profiles (profiles) check the same genders.

#include <array>
#include <string_view>

namespace pm {

// Who a person is. Non-binary people are first-class: matching treats each value alike.
inline constexpr std::array<std::string_view, 3> kGenders = {"woman", "man", "non_binary"};
// Who a person wants to meet: one of the genders, or everyone.
inline constexpr std::array<std::string_view, 4> kSeeking = {"woman", "man", "non_binary", "everyone"};
inline constexpr std::array<std::string_view, 3> kVisibility = {"public", "matches_only", "hidden"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view value) {
  for (auto v : set)
    if (v == value) return true;
  return false;
}

inline constexpr int kMinimumAge = 18;
inline constexpr std::size_t kMaxNameLength = 100;
inline constexpr std::size_t kMaxBioLength = 2000;
inline constexpr std::size_t kMaxLocationLabel = 255;

}  // namespace pm
