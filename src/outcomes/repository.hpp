#pragma once
// All of the outcomes' SQL (match_outcomes, migrations/0025). Functions take the caller's
// transaction.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "outcomes/model.hpp"

namespace pm::outcomes::repository {

void insert(pqxx::work& tx, const Decision& decision);
void insert_at(pqxx::work& tx, const Decision& d, const std::string& decided_at);
// Marks the user's pass on the match as rewound; whether there was one.
bool mark_rewound(pqxx::work& tx, const UserId& user_id, const MatchId& match_id);
// The user's own decisions, oldest first, for the data export (never rows about them).
std::vector<OwnDecision> decided_by(pqxx::work& tx, const UserId& user_id);

// Outcomes decided in [since, until) (ISO times; empty: unbounded), in (decided_at, outcome_id)
// order, after `after` (the last row of the previous page), at most `limit`.
std::vector<Outcome> page(pqxx::work& tx, const std::string& since, const std::string& until,
                          const std::optional<std::pair<std::string, long long>>& after, int limit);

}  // namespace pm::outcomes::repository
