#pragma once
// A match's status (matches.status, migrations/0004): pending until both like it (active), or one
// passes or unmatches (rejected), or nobody decides in time (expired). One table of names below
// serves the database, the API and the messages.

#include <optional>
#include <string_view>

namespace pm::matching {

enum class MatchStatus { pending, active, rejected, expired };

std::string_view to_string(MatchStatus status);
// nullopt for a name that is not a status.
std::optional<MatchStatus> match_status_from(std::string_view name);

}  // namespace pm::matching
