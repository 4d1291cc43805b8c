#pragma once
// First names for demo users, from several cultures. Non-binary users mostly get names used for
// any gender.

#include <span>
#include <string_view>

namespace pm::demo {

std::span<const std::string_view> women_names();
std::span<const std::string_view> men_names();
std::span<const std::string_view> neutral_names();

}  // namespace pm::demo
