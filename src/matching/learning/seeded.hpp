#pragma once
// The training's own random numbers: SplitMix64 with our own conversions and shuffle, because
// std::*_distribution and std::shuffle may differ between standard libraries and a model must be
// the same bytes for the same seed everywhere.

#include <cmath>
#include <cstdint>
#include <numbers>
#include <utility>
#include <vector>

namespace pm::matching::learning {

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // Box-Muller; one of the pair is dropped (simplicity over speed: used for initialisation only).
  double normal() {
    const double u = 1 - uniform(), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * std::numbers::pi * v);
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }  // bias negligible for n << 2^64

  template <class T>
  void shuffle(std::vector<T>& items) {  // Fisher-Yates
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::uint64_t state_;
};

}  // namespace pm::matching::learning
