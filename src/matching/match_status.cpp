#include "matching/match_status.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace pm::matching {

namespace {

constexpr std::array<std::pair<MatchStatus, std::string_view>, 4> kMatchStatusNames = {{
    {MatchStatus::pending, "pending"},
    {MatchStatus::active, "active"},
    {MatchStatus::rejected, "rejected"},
    {MatchStatus::expired, "expired"},
}};

}  // namespace

std::string_view to_string(MatchStatus status) {
  for (const auto& [value, name] : kMatchStatusNames)
    if (value == status) return name;
  throw std::logic_error("a MatchStatus without a name");
}

std::optional<MatchStatus> match_status_from(std::string_view name) {
  for (const auto& [value, n] : kMatchStatusNames)
    if (n == name) return value;
  return std::nullopt;
}

}  // namespace pm::matching
