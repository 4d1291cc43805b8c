#pragma once
// What the outcomes module offers the others: a decision recorded in the caller's transaction
// (matching's like, pass, match, unmatch and rewind; messaging's first messages), the person's own
// decisions for their data export, and the bulk read the matching model trains on. No route
// shows outcomes: how others decided about a person is never theirs to see (docs/outcomes.md).

#include <functional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/problem.hpp"
#include "db/pool.hpp"
#include "outcomes/model.hpp"

namespace pm::outcomes {

// Written by the caller's transaction, so an outcome exists exactly when its decision committed.
void record(pqxx::work& tx, const Decision& decision);
// The same, decided at `decided_at` (ISO 8601) rather than now: the demo's simulated history.
void record_at(pqxx::work& tx, const Decision& decision, const std::string& decided_at);
// A rewind took back the user's pass on the match: the pass stays, marked rewound (a training
// reader may drop it or read it as a weak negative).
void rewound(pqxx::work& tx, const UserId& user_id, const MatchId& match_id);
// The user's own decisions (kind, about whom, match, when), oldest first: their data export.
std::vector<OwnDecision> decisions_of(pqxx::work& tx, const UserId& user_id);

struct TrainingRead {
  std::string since;  // ISO time, inclusive; empty: from the first outcome
  std::string until;  // ISO time, exclusive; empty: unbounded. A moment in the past gives a stable
                      // set (a decision's time is its transaction's start, and it may commit later)
  int page_size = 10000;
};
// Every outcome in [since, until), in time order, a page at a time (each page its own read
// transaction, as the system: training reads everyone's); `on_page` returns false to stop.
// Returns how many rows were read.
Result<long long> read_for_training(db::Pool& db, const TrainingRead& read,
                                    const std::function<bool(const std::vector<Outcome>&)>& on_page);

}  // namespace pm::outcomes
