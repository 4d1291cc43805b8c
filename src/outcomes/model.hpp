#pragma once
// Outcomes: every decision a user makes about someone they were matched with, kept as a training
// example for the matching model (issue 15; docs/outcomes.md). One table of kind names below
// serves the database (match_outcomes.kind, migrations/0025) and the readers.

#include <optional>
#include <string>
#include <string_view>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::outcomes {

// like and pass: a decision on a pending match; match: the like that made it mutual; unmatch: an
// active match ended; first_message: one's first message in the conversation; reply: one's first
// message when the other wrote first, within the reply window (the strongest positive).
enum class Kind { like, pass, match, unmatch, first_message, reply };

std::string_view to_string(Kind kind);
// nullopt for a name that is not a kind.
std::optional<Kind> kind_from(std::string_view name);

// A decision as it is recorded, in the transaction that makes it.
struct Decision {
  UserId decided_by;  // who decided (liked, passed, wrote)
  UserId about;       // about whom
  Kind kind = Kind::like;
  MatchId match_id;
  std::string ranking;  // matches.ranking: the ranking that placed the match in the feed
};

// One stored outcome, as training reads it: a plain row, no JSON.
struct Outcome {
  long long outcome_id = 0;
  UserId decided_by, about;
  Kind kind = Kind::like;
  std::string decided_at;  // ISO 8601 UTC with microseconds: also the paging position
  MatchId match_id;
  std::string ranking;
  bool rewound = false;  // a pass the user took back (POST /matches/rewind)
};

// One of a person's own decisions, as their data export lists it.
struct OwnDecision {
  Kind kind = Kind::like;
  UserId about;
  MatchId match_id;
  std::string decided_at;                 // as PostgreSQL writes a timestamptz in JSON
  std::optional<std::string> rewound_at;  // a pass taken back
  Json to_json() const;
};

}  // namespace pm::outcomes
