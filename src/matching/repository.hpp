#pragma once
// All of the AI Matching Service's SQL. Functions take the caller's transaction.

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <pqxx/pqxx>

#include "core/backlog.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "db/copy.hpp"
#include "matching/filters.hpp"
#include "matching/match_status.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::matching::repository {

// ---- what the candidate index and the vectors are built from ----

struct UserRow {
  std::string user_id;
  Facts facts;  // complete = profile_completed (the caller adds "has vectors")
  std::vector<float> traits, text;
  std::string first_name, gender, location;  // as stored (for the vector document's metadata)
  std::string changed_at;                    // the latest change of profile, preferences or vectors (ISO)
};
// A user whose profile, preferences or vectors changed, and when last (ISO, as UserRow::changed_at).
struct Change {
  std::string user_id, changed_at;
};
// Users whose profile, preferences or vectors changed at or after `since` (an ISO time; empty:
// all), by user id, with or without vectors (their rows: user_rows). The look goes 5 s further
// back than `since`: a transaction that commits late with an earlier now() is not missed.
std::vector<Change> changed_users(pqxx::work& tx, const std::string& since);
std::optional<UserRow> user_row(pqxx::work& tx, const std::string& user_id);
// The rows of several users (those that exist), with or without vectors.
std::vector<UserRow> user_rows(pqxx::work& tx, const std::vector<std::string>& user_ids);

// First names by user id (for insights).
std::map<std::string, std::string> first_names(pqxx::work& tx, const std::vector<std::string>& user_ids);
// The users' bios by user id, for the text embedding.
std::map<std::string, std::string> bios_of(pqxx::work& tx, const std::vector<std::string>& user_ids);
// The text embeddings stored with the users' vectors (the vector document's `textEmbedding`), by
// user id: those that have one.
std::map<std::string, Json> text_embeddings_of(pqxx::work& tx, const std::vector<std::string>& user_ids);

// The conversation starters that quote the user's words, taken out of the insight documents of
// their matches: the words changed. Only the other person's quotes stay, found by the other's
// first name (a quote's only mark of whom it quotes); when that cannot tell (the same name, a
// rename), every quote goes.
void drop_quotes_of(pqxx::work& tx, const UserId& user_id, const std::string& first_name);
// When this transaction started (PostgreSQL's now(), as text that reads back exactly): what a
// computation of vectors records as the time it read the answers.
std::string transaction_start(pqxx::work& tx);
// One user's vectors to save: the seed's vector document (user_vectors) and the user_embeddings row.
struct VectorsToSave {
  std::string user_id;
  const Json* doc;
  const std::vector<float>* profile;
  const Json* metadata;
};
// Each user's two rows, replaced together, unless their stored ones come from answers read later
// than `answers_read_at` (then nothing of theirs is saved). Two statements for all the users (one
// per user was the vectors phase's cost at 100,000 users). The users saved; distinct users only.
std::unordered_set<std::string> save_vectors(pqxx::work& tx, const std::vector<VectorsToSave>& users,
                                             const std::string& answers_read_at);

// ---- generation ----

// Where a user stands before generation: who they must not be matched with (blocked either way,
// or already paired, any status) and how many pending matches they have.
struct Standing {
  std::unordered_set<std::string> excluded;
  int pending = 0;
};
// The standing of each of `user_ids` (every one has an entry), in one statement.
std::map<std::string, Standing> standings(pqxx::work& tx, const std::vector<std::string>& user_ids);

// A match to insert. Its JSON values are text, written once on the thread that composed the match
// (JsonWriter): the writer's transaction only sends them.
struct NewMatch {
  std::string match_id;        // time-ordered (crypto::uuid_v7); the insight document names it
  std::string user_a, user_b;  // any order; stored canonically (user_id_1 < user_id_2)
  double score = 0;
  // JSON: matches.score_details, with the six attributes ({name, score, description}: the key
  // factors) and the summary; the attribute rows are written when the match is first opened.
  std::string score_details;
  std::string ranking;  // matches.ranking: the ranking (model and version) that placed it (docs/outcomes.md)
  // The model's p(a likes b) x p(b likes a) when a model ranked it (matches.mutual_interest, from
  // which the list's order derives); nullopt for the questionnaire's ranking. Never shown.
  std::optional<double> mutual_interest;
  // Its row for copy_matches's staging table (stage_rows), composed where the match is built (the
  // batch's scoring threads) so the writer only sends it; copy_matches composes it if not.
  db::CopyRows staged;
};
// m's row for the staging table.
db::CopyRows stage_rows(const NewMatch& m);
struct InsertedMatch {
  std::string match_id, user_id_1, user_id_2;
};
// Inserts the matches: COPY of every row into a staging table of the transaction, then one
// statement that moves them into matches. A pair that
// already exists, appears twice (the better score is kept), or whose user is gone, suspended or
// banned is skipped; returns the matches inserted.
std::vector<InsertedMatch> copy_matches(pqxx::work& tx, const std::vector<NewMatch>& matches);

// A match's insights and attribute rows, written the first time it is opened
// (Engine::write_insights). Its JSON values are text.
struct NewInsights {
  std::string match_id;
  std::string viewer;  // who opened it: written only while it is theirs and still shown
  std::vector<std::tuple<std::string, double, std::string>> attributes;  // name, score, description
  std::string highlights;  // compatibility_insights.highlights: {summary, keyFactors}
  std::string detailed_analysis;
  std::string document;  // the seed's Compatibility Insights document, naming its match and users
};
// Stores them unless the match has them already (of two first views at once, the first stays), is
// gone, or is no longer the viewer's to see (blocked, banned).
void save_insights(pqxx::work& tx, const NewInsights& insights);

// ---- discovery and decisions ----

struct MatchRow {
  MatchId match_id;
  UserId user_id_1, user_id_2;
  MatchStatus status = MatchStatus::pending;
  std::string created_at;
  double score = 0;
  bool liked_1 = false, liked_2 = false;
  Json users;  // [{user_id, first_name, age, location, photo_key}] for both users
  std::string summary;
  std::string ranking;                         // the ranking that placed it in the feed (what its outcomes record)
  std::optional<std::string> conversation_id;  // once both liked
};
// The user's matches (not blocked) with statuses from `statuses`, in the order generation decided
// (matches.rank_key: docs/matching.md "The order of a user's matches"), then match id, after the
// match `after` (a match id: the last of the page before). nullopt when `after` is not a match of
// the user's: another's match must not reveal where it would sit in this list.
std::optional<std::vector<MatchRow>> list_matches(pqxx::work& tx, const UserId& user_id,
                                                  const std::vector<MatchStatus>& statuses,
                                                  const std::optional<MatchId>& after, int limit);
// One match if `user_id` is in it and the pair is not blocked.
// `for_update`: its row locked until the transaction ends (a decision reads it, then writes).
std::optional<MatchRow> match_for(pqxx::work& tx, const MatchId& match_id, const UserId& user_id,
                                  bool for_update = false);
// The user's pending and active matches, each with the other user.
std::vector<std::pair<MatchId, UserId>> current_matches_of(pqxx::work& tx, const UserId& user_id);
// The match's attributes (name, score, description): its rows, or before its first opening the six
// stored in its score details. Its insight document (empty before its first opening).
std::vector<std::tuple<std::string, double, std::string>> attributes_of(pqxx::work& tx, const MatchId& match_id);
Json insight_document(pqxx::work& tx, const MatchId& match_id);

// Records the user's like; the match becomes active when both liked. Returns the row after, and
// whether this like made it active.
std::optional<std::pair<MatchRow, bool>> like(pqxx::work& tx, const MatchId& match_id, const UserId& user_id);
// A pass (from pending; who passed and when are kept for a rewind) or an unmatch (from active): the
// match becomes rejected, so the pair is never matched again. nullopt when the user is not in it or
// it is not in `from_status`.
std::optional<MatchRow> reject(pqxx::work& tx, const MatchId& match_id, const UserId& user_id, MatchStatus from_status);
// Undoes the user's most recent pass still in effect (the match becomes pending again; not when the
// pair has been blocked since), unless its match was made more than `expiry_days` ago: then it is
// left as it is (`too_old`). nullopt when there is no such pass.
struct LastPass {
  bool too_old = false;
  std::optional<MatchRow> rewound;  // the match, pending again
};
std::optional<LastPass> rewind_last_pass(pqxx::work& tx, const UserId& user_id, int expiry_days);
// Pending matches in which the other user liked `user_id` and `user_id` has not decided: how many,
// and (who liked me; 0 for none) the newest `limit` of them.
struct LikesReceivedRows {
  int count = 0;
  std::vector<MatchRow> newest;
};
LikesReceivedRows likes_received(pqxx::work& tx, const UserId& user_id, int limit);
// Opens the pair's conversation (idempotent) and returns its id.
ConversationId open_conversation(pqxx::work& tx, const MatchId& match_id);
// The demo's matches (bulk.hpp): the two users in either order.
std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score);
std::optional<std::string> insert_history_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b,
                                                double score, const std::string& status, bool liked_a, bool liked_b,
                                                const std::string& created_at);

// Pending matches older than `days` become expired; returns (match_id, user 1, user 2).
std::vector<std::tuple<MatchId, UserId, UserId>> expire_pending(pqxx::work& tx, int days);
// The pending matches between the two become rejected (a block); returns their ids.
std::vector<MatchId> end_pending_between(pqxx::work& tx, const UserId& a, const UserId& b);

// ---- the worker's queues ----

void queue_generation(pqxx::work& tx, const std::string& user_id, const std::string& reason);
// Takes up to `limit` queued users (locked, skipped by other workers) and removes them.
std::vector<UserId> take_queued(pqxx::work& tx, int limit);
// The generation queue: how many users wait, and since when the first one does.
Backlog generation_backlog(pqxx::work& tx);

// ---- the reciprocal model's stored versions (matching_models, migrations/0026) ----

struct StoredModel {
  long long version = 0;
  std::string bytes;  // ReciprocalModel::to_bytes()
};
// Stores a trained model; returns its version (the next in the sequence).
long long insert_model(pqxx::work& tx, long long outcomes, int format, const std::string& bytes, const Json& metrics);
// Deletes all but the newest `keep` versions; returns how many went.
int prune_models(pqxx::work& tx, int keep);
// The banned accounts (their outcomes stay out of training).
std::unordered_set<std::string> banned_users(pqxx::work& tx);
// Deletes the versions trained more than `days` ago; returns how many went.
int delete_models_older_than(pqxx::work& tx, int days);
// The stored versions, newest first (without their bytes).
std::vector<long long> model_versions(pqxx::work& tx);
std::optional<StoredModel> model(pqxx::work& tx, long long version);

// `matches generate --all`: users with vectors after `after_user` (ordered by id), and run records.
std::vector<std::string> users_with_vectors(pqxx::work& tx, const std::string& after_user, int limit);
int count_users_with_vectors(pqxx::work& tx);
// Users who completed the questionnaire but have no vectors yet (or older ones), all of them, by id.
std::vector<std::string> users_needing_vectors(pqxx::work& tx, const std::string& bank_key);
std::optional<std::string> run_position(pqxx::work& tx, const std::string& run_id);
void save_run_position(pqxx::work& tx, const std::string& run_id, const std::string& last_user, int done,
                       bool finished);

}  // namespace pm::matching::repository
