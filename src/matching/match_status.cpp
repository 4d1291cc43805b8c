#include "matching/match_status.hpp"

#include "core/enum_names.hpp"

namespace pm::matching {

namespace {

constexpr EnumNames<MatchStatus, 4> kMatchStatusNames = {{
    {MatchStatus::pending, "pending"},
    {MatchStatus::active, "active"},
    {MatchStatus::rejected, "rejected"},
    {MatchStatus::expired, "expired"},
}};

}  // namespace

std::string_view to_string(MatchStatus status) { return name_in(kMatchStatusNames, status); }

std::optional<MatchStatus> match_status_from(std::string_view name) { return value_in(kMatchStatusNames, name); }

}  // namespace pm::matching
