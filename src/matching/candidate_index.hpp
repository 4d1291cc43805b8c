#pragma once
// The in-process index of every matchable user: answers "the best N candidates for user X" after
// the hard filters, without a database round trip per candidate. Exact for every query: every
// user who can pass the filters is filtered and scored, so recall is 1.0 by construction (an
// HNSW path was slower than this scan at every recall it reached: docs/benchmarks.md).
//
// Layout: users live in segments, one per (1-degree grid cell, with or without a distance limit,
// gender, seeking), so the gender filter keeps or drops whole segments. A segment holds its users
// as columns (structure of arrays, cache-line aligned): the filter facts (age and accepted ages,
// usable, position, distance limit, and both as a unit vector and chord bounds) that the filters
// scan first, then per user one answer row and the trait vector (pair_kernel.hpp)
// that only the users passing the filters are scored on. The total is computed by the kernel;
// score_pair (attributes and all) runs for the winners only.
//
// Which segments a query reads (a superset of every user who can pass the filters):
//   searcher with a limit L   the segments of the cells within L (with and without a limit);
//   searcher without a limit  every no-limit segment, and the limited segments of the cells within
//                             the largest limit in the index (a candidate with a limit must be
//                             within it of the searcher).
// A large query is split across two threads (IndexOptions), each keeping its own top N.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "matching/answer_frequencies.hpp"
#include "matching/compatibility.hpp"
#include "matching/filters.hpp"
#include "matching/pair_kernel.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::matching {

struct IndexedUser {
  std::string user_id;
  Facts facts;
  MatchProfile profile;
};

struct Candidate {
  std::string user_id;
  PairScore score;
};

struct SearchStats {
  std::size_t examined = 0;  // users the filters were applied to
  std::size_t scored = 0;    // pairs scored (the total, by the kernel)
};

struct IndexOptions {
  Isa isa = best_isa();
  unsigned threads = 2;          // at most this many threads per query
  std::size_t split_at = 60000;  // users a query must read before it is split
};

class CandidateIndex {
 public:
  CandidateIndex(std::shared_ptr<const ScoringBank> bank, IndexOptions options = {});
  ~CandidateIndex();
  CandidateIndex(const CandidateIndex&) = delete;
  CandidateIndex& operator=(const CandidateIndex&) = delete;

  const ScoringBank& bank() const { return *bank_; }
  const IndexOptions& options() const { return options_; }
  // Adds or replaces a user (a user who is no longer matchable should be removed instead).
  void upsert(const IndexedUser& user);
  void remove(const std::string& user_id);
  std::size_t size() const;
  // A copy of a user's entry, if indexed.
  std::optional<IndexedUser> find(const std::string& user_id) const;
  // How often each answer is given among the indexed users (a copy), for insights.
  AnswerFrequencies answer_frequencies() const;

  // The best `n` candidates for `who` (best first): hard filters both ways, not `excluded`, not
  // who, no dealbreaker. Ties break on user id so results are stable.
  std::vector<Candidate> best(const IndexedUser& who, const std::unordered_set<std::string>& excluded, std::size_t n,
                              SearchStats* stats = nullptr) const;

  // Bytes held by the index (columns, rows, ids and the id map), for the benchmark.
  std::size_t memory_bytes() const;

 private:
  struct Segment;
  struct Location {
    std::uint32_t segment, row;
  };
  struct Scan;
  using Cell = std::int32_t;
  static constexpr Cell kNowhere = -1;  // users without a location (only seen by "no limit" searches)
  static Cell cell_of(float lat, float lon);
  std::vector<Cell> cells_within(float lat, float lon, double km) const;
  std::uint32_t segment_for(const Facts& facts);
  std::vector<const Segment*> segments_for(const Facts& who) const;
  void unlink(const Location& at);
  IndexedUser entry(const Location& at) const;

  std::shared_ptr<const ScoringBank> bank_;
  IndexOptions options_;
  AnswerLayout layout_;
  std::size_t dims_;  // the bank's trait dimensions: each user's traits, stored in the columns
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<Segment>> segments_;
  std::unordered_map<std::int64_t, std::uint32_t> segment_by_key_;  // (cell, no limit, gender, seeking)
  std::unordered_map<Cell, std::vector<std::uint32_t>> segments_in_cell_;
  std::unordered_map<std::string, Location> by_id_;
  std::map<std::int32_t, std::size_t> limits_;  // distance limits in the index, with their counts
  AnswerFrequencies frequencies_;               // over the entries
};

}  // namespace pm::matching
