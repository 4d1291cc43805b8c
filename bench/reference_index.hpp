#pragma once
// The candidate index as it was before the columnar kernel (issue 20), kept in the benchmarks
// only, as the reference that the new exact search and its scores are measured against in the
// same run: the old exact scan (score_pair on every filtered user) and the HNSW path.
//
// The in-process index of every matchable user: answers "the best N candidates for user X" after
// the hard filters, without a database round trip per candidate.
//
// Two paths, chosen per query by how many users the geographic pre-selection leaves:
//   exact — few enough (<= exact_threshold): every user in the grid cells within X's max distance
//           is filtered and fully scored (score_pair). Exact by construction.
//   ann   — more: an HNSW graph (hnswlib) over the users' profile vectors, one graph per gender,
//           returns the users most similar to X; they are filtered, and the best `pool` of them
//           are fully scored. Widened until the pool is full or the graph is exhausted.
// Many users answer identically and so have identical vectors; an HNSW graph of duplicates loses
// them (they crowd each other's neighbour lists). So the graph holds each DISTINCT vector once,
// with the list of users who have it (a bucket).

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "matching/answer_frequencies.hpp"
#include "matching/candidate_index.hpp"
#include "matching/compatibility.hpp"
#include "matching/filters.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::bench {

using namespace pm::matching;
using matching::IndexedUser;

enum class SearchPath { automatic, exact, ann };

struct ReferenceStats {
  SearchPath path = SearchPath::exact;
  std::size_t examined = 0;  // users the filters were applied to
  std::size_t scored = 0;    // pairs fully scored
};

struct ReferenceOptions {
  std::size_t exact_threshold = 20000;  // largest geographic pre-selection scored exhaustively
  std::size_t pool = 400;               // ANN path: filtered candidates fully scored
  int hnsw_m = 16;
  int hnsw_ef_construction = 100;
  bool graph = true;  // false: no HNSW graph (its exact path only; a million users build in seconds, not minutes)
};

class ReferenceIndex {
 public:
  ReferenceIndex(std::shared_ptr<const ScoringBank> bank, ReferenceOptions options = {});
  ~ReferenceIndex();
  ReferenceIndex(const ReferenceIndex&) = delete;
  ReferenceIndex& operator=(const ReferenceIndex&) = delete;

  const ScoringBank& bank() const { return *bank_; }
  // Adds or replaces a user (a user who is no longer matchable should be removed instead).
  void upsert(IndexedUser user);
  void remove(const std::string& user_id);
  std::size_t size() const;
  std::size_t distinct_vectors() const;
  // A copy of a user's entry, if indexed.
  std::optional<IndexedUser> find(const std::string& user_id) const;
  // How often each answer is given among the indexed users (a copy), for insights.
  AnswerFrequencies answer_frequencies() const;

  // The best `n` candidates for `who` (best first): hard filters both ways, not `excluded`, not
  // who, no dealbreaker. Ties break on user id so results are stable.
  std::vector<Candidate> best(const IndexedUser& who, const std::unordered_set<std::string>& excluded, std::size_t n,
                              SearchPath path = SearchPath::automatic, ReferenceStats* stats = nullptr) const;

  // Bytes held by the index (entries, answers, vectors, graphs), for the benchmark.
  std::size_t memory_bytes() const;

 private:
  struct Graph;
  struct Bucket {
    std::vector<std::uint32_t> slots;
  };
  using Cell = std::int32_t;
  static constexpr Cell kNowhere = -1;  // users without a location (only seen by "no limit" searches)
  static Cell cell_of(float lat, float lon);
  std::vector<Cell> cells_within(const Facts& who) const;
  void unlink(std::uint32_t slot);
  bool eligible(const IndexedUser& who, std::uint32_t slot, const std::unordered_set<std::string>& excluded) const;

  std::shared_ptr<const ScoringBank> bank_;
  ReferenceOptions options_;
  mutable std::shared_mutex mutex_;
  std::vector<IndexedUser> entries_;  // by slot; a free slot has an empty user_id
  std::vector<std::uint32_t> bucket_of_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<std::string, std::uint32_t> slot_by_id_;
  std::unordered_map<Cell, std::vector<std::uint32_t>> grid_;
  std::unordered_map<std::string, std::uint32_t> bucket_by_vector_;  // key: gender + vector bytes
  std::vector<Bucket> buckets_;
  std::vector<std::unique_ptr<Graph>> graphs_;  // one per gender bit
  AnswerFrequencies frequencies_;               // over the entries
};

}  // namespace pm::bench
