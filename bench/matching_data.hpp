#pragma once
// Synthetic users for the matching benchmarks, built in memory for the product bank
// (data/questions/perfect-match.json). Each user has a latent personality (an archetype plus
// their own deviation, one number per trait dimension of the bank, and a "pickiness") from which
// every scorable question is answered coherently: the option whose trait loadings best fit the
// person, plus noise. About a tenth of users give exactly an earlier user's answers, as real
// populations do: identical answer sets give identical vectors, which the candidate index must
// handle. Text embeddings are left empty: the benchmarks score answers and trait vectors only.
// Deterministic: the same options give the same users on every machine (own conversions from
// std::mt19937_64, whose output the standard fixes, rather than std::*_distribution).

#include <cstdint>
#include <memory>
#include <vector>

#include "matching/candidate_index.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::bench {

// The product bank, read from PM_BENCH_BANK or data/questions/perfect-match.json found from the
// working directory or the executable's directory upwards. Throws when it cannot be read.
std::shared_ptr<const matching::ScoringBank> product_bank();

struct PopulationOptions {
  std::size_t users = 1000;
  std::uint64_t seed = 42;
  double duplicate_share = 0.10;  // users answering exactly like an earlier user
  double no_limit_share = 0.10;   // users with max_distance 0 (no distance limit)
};

// Users "00000000-0000-4000-8000-000000000001", ... (ids as long as real UUIDs, so memory is
// realistic), every one complete, visible and located, with trait vectors computed.
std::vector<matching::IndexedUser> make_population(const matching::ScoringBank& bank, const PopulationOptions& options);

}  // namespace pm::bench
