#include "demo/random.hpp"

#include <cmath>
#include <numbers>

namespace pm::demo {

std::uint64_t stable_hash(std::string_view text, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Rng Rng::stream(std::uint64_t seed, std::uint64_t index, std::string_view purpose) {
  // Mixed through the hash so nearby seeds and indexes give unrelated streams.
  std::uint64_t h = stable_hash(purpose, stable_hash(std::to_string(seed) + ":" + std::to_string(index)));
  Rng rng(h);
  rng.engine_.discard(4);
  return rng;
}

double Rng::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

int Rng::integer(int lo, int hi) {
  if (hi <= lo) return lo;
  auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<int>(engine_() % span);  // the modulo bias over 2^64 is negligible here
}

double Rng::normal(double mean, double sd) {
  // Box-Muller; 1 - uniform() is in (0, 1], so the log is finite.
  double u1 = 1.0 - uniform(), u2 = uniform();
  return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::gumbel(double scale) {
  double u = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;  // (0, 1): both logs finite
  return -scale * std::log(-std::log(u));
}

std::size_t Rng::weighted(std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += std::max(0.0, w);
  double x = uniform() * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    x -= std::max(0.0, weights[i]);
    if (x < 0) return i;
  }
  return weights.empty() ? 0 : weights.size() - 1;
}

}  // namespace pm::demo
