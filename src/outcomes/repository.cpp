#include "outcomes/repository.hpp"

#include "db/row.hpp"

namespace pm::outcomes::repository {

namespace {

constexpr const char* kInsert = R"sql(
  INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking) VALUES ($1, $2, $3, $4, $5)
)sql";
constexpr const char* kInsertAt = R"sql(
  INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking, decided_at)
  VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
)sql";
// The user's latest pass on the match still in effect.
constexpr const char* kMarkRewound = R"sql(
  UPDATE match_outcomes SET rewound_at = now()
  WHERE outcome_id = (SELECT outcome_id FROM match_outcomes
                      WHERE decided_by = $1 AND match_id = $2 AND kind = 'pass' AND rewound_at IS NULL
                      ORDER BY decided_at DESC, outcome_id DESC LIMIT 1)
  RETURNING outcome_id
)sql";
// (about_user is the other person of a match the user can see; what they decided is never here)
// (the times as JSON writes a timestamptz, as the export always showed them)
constexpr const char* kDecidedBy = R"sql(
  SELECT kind, about_user, match_id, to_jsonb(decided_at) #>> '{}' AS decided_at,
         to_jsonb(rewound_at) #>> '{}' AS rewound_at
  FROM match_outcomes WHERE decided_by = $1 ORDER BY decided_at, outcome_id
)sql";
constexpr const char* kPage = R"sql(
  SELECT outcome_id, decided_by, about_user, kind, match_id, ranking, rewound_at IS NOT NULL AS rewound,
         to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS decided_at
  FROM match_outcomes
  WHERE ($1::text = '' OR decided_at >= $1::timestamptz) AND ($2::text = '' OR decided_at < $2::timestamptz)
    AND ($3::timestamptz IS NULL OR (decided_at, outcome_id) > ($3::timestamptz, $4::bigint))
  ORDER BY decided_at, outcome_id LIMIT $5
)sql";

}  // namespace

void insert(pqxx::work& tx, const Decision& d) {
  tx.exec_params(kInsert, d.decided_by, d.about, std::string(to_string(d.kind)), d.match_id, d.ranking);
}

void insert_at(pqxx::work& tx, const Decision& d, const std::string& decided_at) {
  tx.exec_params(kInsertAt, d.decided_by, d.about, std::string(to_string(d.kind)), d.match_id, d.ranking, decided_at);
}

bool mark_rewound(pqxx::work& tx, const UserId& user_id, const MatchId& match_id) {
  return !tx.exec_params(kMarkRewound, user_id, match_id).empty();
}

std::vector<OwnDecision> decided_by(pqxx::work& tx, const UserId& user_id) {
  std::vector<OwnDecision> out;
  for (const auto& r : tx.exec_params(kDecidedBy, user_id))
    out.push_back({.kind = kind_from(r["kind"].as<std::string>()).value(),  // the table's CHECK names the kinds
                   .about = r["about_user"].as<UserId>(),
                   .match_id = r["match_id"].as<MatchId>(),
                   .decided_at = r["decided_at"].as<std::string>(),
                   .rewound_at = db::opt<std::string>(r, "rewound_at")});
  return out;
}

std::vector<Outcome> page(pqxx::work& tx, const std::string& since, const std::string& until,
                          const std::optional<std::pair<std::string, long long>>& after, int limit) {
  std::vector<Outcome> out;
  auto rows = tx.exec_params(kPage, since, until, after ? std::optional(after->first) : std::nullopt,
                             after ? std::optional(after->second) : std::nullopt, limit);
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({.outcome_id = r["outcome_id"].as<long long>(),
                   .decided_by = r["decided_by"].as<UserId>(),
                   .about = r["about_user"].as<UserId>(),
                   // the table's CHECK names the kinds
                   .kind = kind_from(r["kind"].as<std::string>()).value(),
                   .decided_at = r["decided_at"].as<std::string>(),
                   .match_id = r["match_id"].as<MatchId>(),
                   .ranking = r["ranking"].as<std::string>(),
                   .rewound = r["rewound"].as<bool>()});
  return out;
}

}  // namespace pm::outcomes::repository
