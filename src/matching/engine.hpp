#pragma once
// The AI Matching Service's engine: the question bank as scoring sees it, each user's vectors,
// the candidate index kept current from PostgreSQL, and match generation (hard filters,
// candidate search, compatibility, attributes, the writes and the cache invalidation), and a
// match's insights when it is first opened.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/redis.hpp"
#include "core/backlog.hpp"
#include "core/config.hpp"
#include "core/mutex.hpp"
#include "db/pool.hpp"
#include "matching/candidate_index.hpp"
#include "matching/embedding.hpp"
#include "matching/exposure.hpp"
#include "matching/insights.hpp"
#include "matching/llm_client.hpp"
#include "matching/match_cache.hpp"
#include "matching/model_store.hpp"
#include "matching/repository.hpp"
#include "matching/vectors.hpp"
#include "questionnaire/service.hpp"

namespace pm::matching {

// The ranking that places generated matches in the feed (matches.ranking, what each outcome of a
// match records: docs/outcomes.md). A learned ranking writes its own name and version instead
// (ranking_name in model_store.hpp; "-explore" added for an exploration slot's match).
inline constexpr const char* kQuestionnaireRanking = "questionnaire-v1";

struct Generated {
  int created = 0;
  std::vector<MatchId> match_ids;
  SearchStats search;

  // POST /api/v1/matches/generate's answer. Not the search's counts (`search` stays for the
  // benchmarks and tests): how many people passed the filters, counted before blocks and earlier
  // matches were set aside, told a stalker with filters narrowed to one person whether that person
  // was within a chosen distance of a chosen point, even after a block, and so where they live.
  Json to_json() const {
    return {{"created", created},
            {"match_ids", match_ids},
            {"search", {{"path", "exact"}}}};  // the only path since issue 20 (candidate_index.hpp)
  }
};

using repository::Standing;

// One user's search for new matches: the user as indexed and the best candidates within their
// standing (PM_MATCHES_PER_USER minus their pending matches, none they are excluded from).
struct Searched {
  std::string user_id;
  IndexedUser who;
  std::vector<Candidate> candidates;  // in the order the ranking adds them
  SearchStats stats;
  std::string ranking = kQuestionnaireRanking;     // matches.ranking: the stored model's version, when one ranked
  std::unordered_set<std::string> explored;        // candidates placed by an exploration slot (ranking.hpp)
  std::unordered_map<std::string, double> mutual;  // the model's mutual interest by candidate (none: no model)
};
// The first names compose() quotes, read once: a batch run keeps them for all its batches, where
// one person is a candidate in many.
struct PeopleMemo {
  Mutex mutex;
  std::unordered_map<std::string, std::string> first_names PM_GUARDED_BY(mutex);
};
// One user's new matches, with attributes and score details, ready to be written.
struct Planned {
  std::string user_id;
  std::vector<repository::NewMatch> rows;
};

class Engine {
 public:
  struct Deps {
    const Config& config;
    db::Pool& db;
    questionnaire::Service& questionnaire;
    MatchCache& cache;
    EmbeddingProvider& embedder;
    const ChatClient& llm;
    ModelStore& models;     // the learned ranking, when a model is stored (ranking.hpp)
    ExposureCap& exposure;  // PM_EXPOSURE_CAP_PER_DAY (exposure.hpp)
  };
  explicit Engine(Deps deps);

  // The bank and the index (loaded on first use; 503 "question-bank-missing" before an import).
  Result<std::shared_ptr<CandidateIndex>> index();
  // Brings the index up to date with PostgreSQL: users whose profile, preferences or vectors
  // changed since the last look (the first look loads everyone). Unless `force`, at most once per
  // PM_INDEX_REFRESH_MS. Returns how many users were (re)loaded.
  Result<std::size_t> refresh(bool force = false);

  // Recomputes and stores the user's vectors from their current answers and bio.
  Result<Json> compute_vectors(const std::string& user_id);
  // The same for several users: one read, one write transaction (`matches generate --all`); users
  // gone meanwhile are left out. Returns the documents stored.
  Result<std::vector<Json>> compute_vectors(const std::vector<std::string>& user_ids);
  // Generates the user's best new matches (up to PM_MATCHES_PER_USER pending); no rate limit.
  // Candidates are ordered by ranking.hpp (the model's mutual interest when one is loaded, with
  // exploration slots), without those at today's exposure cap.
  Result<Generated> generate(const UserId& user_id);
  // Generation in its two steps, for writing many users' matches at once (BatchGeneration): the
  // search (in memory; 4xx for a user who cannot be matched: hidden, incomplete), then the
  // attributes and score details of every pair found, after one read of the people in them.
  Result<Searched> search(const std::string& user_id, const Standing& standing);
  // `known`: the people read so far by a batch run (any thread), so each is read once a run.
  Result<std::vector<Planned>> compose(std::vector<Searched> searched, PeopleMemo* known = nullptr);
  // A match's insights and attribute rows (compatibility_insights, the insight document and six
  // match_attributes rows), stored the first time one of its two people opens it: generation writes
  // the match with its score details (the six attributes and the summary), and most of a user's
  // matches are never opened (docs/matching.md "Insights on first view"). The prose is built from
  // both people's current answers around the match's summary and attributes (`match.summary`,
  // `attributes`: what generation stored) unless it has none. `viewer`: whose llm_insights flag
  // decides whether the chat model writes the prose. Stored once: of two first views at once, the
  // first stored stays. Nothing is written when the match is no longer the viewer's to see.
  Result<void> write_insights(const repository::MatchRow& match, const std::vector<Attribute>& attributes,
                              const UserId& viewer);
  MatchCache& cache() { return d_.cache; }
  // After new matches are committed: everyone in them has stale cached matches, and each person
  // added to another's feed is in one more feed today (the exposure cap). `generated_for`: whose
  // matches were generated; a pair of two such users counts for both.
  void matches_written(const std::vector<std::string>& generated_for,
                       const std::vector<repository::InsertedMatch>& inserted);
  // Set by app/ at wiring time: whether the configured chat model (PM_LLM_PROVIDER) writes the
  // insights of a match this user opens first: the `llm_insights` feature flag
  // (docs/feature-flags.md). Unset: whenever a provider is configured.
  std::function<bool(const UserId& user_id)> llm_insights_on;
  // Set by app/ at wiring time: whether the user's changed vectors may regenerate their matches
  // now, counted against the plan's generations_per_day like POST /matches/generate (else passing
  // every match and answering again would be unlimited generation). Refused: the vectors are
  // stored and the next generation uses them. Unset: always. Not asked for the vectors of a
  // completion (once per user): the first matches come whatever the day's budget.
  std::function<bool(const UserId& user_id)> may_regenerate;

  // Worker steps: vectors for completed questionnaires (jobs), regeneration of queued users.
  Result<int> run_vector_jobs(int limit);
  Result<int> run_generation_queue(int limit);
  // The generation queue (the worker's /metrics): users waiting, and the first one's wait (the lag).
  Result<Backlog> generation_backlog();

  // The scoring of one pair as stored with a match (matches.score_details), as JSON text;
  // `reversed`: the pair is stored the other way round (the satisfactions swap places).
  static std::string score_details(const PairScore& score, const Insights& insights, bool reversed = false);
  // The same as a tree (`perfectmatch score`'s output).
  static Json score_json(const PairScore& score, const Insights& insights);

 private:
  Result<IndexedUser> indexed(const std::string& user_id);
  // `llm`: whether the configured chat model writes the prose (else the built-in writer alone).
  Result<Insights> insights_for(const PairPerson& a, const PairPerson& b, const PairScore& score, bool llm,
                                const AnswerFrequencies* frequencies = nullptr, const Insights* stored = nullptr);

  Deps d_;
  Mutex opening_mutex_;
  // The matches write_insights builds now, each with what its build's end sets (others wait on it).
  std::unordered_map<std::string, std::shared_future<void>> opening_ PM_GUARDED_BY(opening_mutex_);
  Mutex mutex_;  // loading the bank / refreshing
  std::shared_ptr<CandidateIndex> index_ PM_GUARDED_BY(mutex_);
  std::string watermark_ PM_GUARDED_BY(mutex_);
  // Users the last refresh loaded, with the change time loaded: the look-back overlap returns
  // them again, and reloading the unchanged ones every poll would cost a busy node dearly.
  std::unordered_map<std::string, std::string> recently_loaded_ PM_GUARDED_BY(mutex_);
  // The database's time at the last poll: accounts deleted since then leave the index.
  std::string deletions_since_ PM_GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point refreshed_at_ PM_GUARDED_BY(mutex_){};
};

// What an indexed user is made of (a stored row and its answers), shared with `perfectmatch score`.
IndexedUser indexed_user(const ScoringBank& bank, const repository::UserRow& row,
                         const std::vector<AnswerValue>& answers);
// The text the embedding reads: the bio, then each open answer.
std::string embedding_text(const std::string& bio,
                           const std::vector<std::pair<std::string, std::string>>& open_answers);
// The seed's vector document for a user; `text_hash` is the SHA-256 of the words `text` embeds.
Json vector_document(const std::string& user_id, const TraitVectors& v, const std::vector<float>& text,
                     const std::string& text_hash, const std::string& text_model, const repository::UserRow& row,
                     const std::string& bank_version);

}  // namespace pm::matching
