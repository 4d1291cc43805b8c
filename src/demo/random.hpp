#pragma once
// Deterministic randomness for the demo data: every user's draws come from streams seeded by
// (--seed, user number, purpose), so a user is the same whatever else changes (batch size, other
// users, --no-photos) and runs are reproducible. The engine is std::mt19937_64, whose output the
// C++ standard fixes; the conversions to doubles and normals are our own for the same reason
// (std::*_distribution results differ between standard libraries).

#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace pm::demo {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  // The stream of `purpose` ("person", "answers", "photos", ...) for user `index` under `seed`.
  static Rng stream(std::uint64_t seed, std::uint64_t index, std::string_view purpose);

  std::uint64_t bits() { return engine_(); }
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  int integer(int lo, int hi);           // [lo, hi], inclusive
  bool chance(double p) { return uniform() < p; }
  double normal(double mean = 0, double sd = 1);
  // Gumbel noise: adding it to scores and taking the best samples in proportion to exp(score / scale).
  double gumbel(double scale);
  // An index drawn in proportion to `weights` (all >= 0, not all 0).
  std::size_t weighted(std::span<const double> weights);

  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(integer(0, static_cast<int>(items.size()) - 1))];
  }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[static_cast<std::size_t>(integer(0, static_cast<int>(N) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

// FNV-1a: a stable 64-bit hash of a name, to derive streams and per-name values.
std::uint64_t stable_hash(std::string_view text, std::uint64_t basis = 14695981039346656037ull);

}  // namespace pm::demo
