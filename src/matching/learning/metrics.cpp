#include "matching/learning/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace pm::matching::learning {

namespace {

// A score that is not a number ranks lowest (and ties with its like): compared as it is, it breaks
// the sort's ordering and never equals itself, so the ties' loop below would never end.
double ranked(double score) { return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score; }

}  // namespace

double auc(std::span<const double> scores, std::span<const char> positive) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t i, std::size_t j) { return ranked(scores[i]) < ranked(scores[j]); });
  // Mann-Whitney U: the sum of the positives' ranks (average rank for ties).
  double rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && ranked(scores[order[j]]) == ranked(scores[order[i]])) ++j;
    const double average_rank = (static_cast<double>(i + j) + 1) / 2;  // ranks from 1
    for (std::size_t t = i; t < j; ++t)
      if (positive[order[t]]) {
        rank_sum += average_rank;
        positives += 1;
      }
    i = j;
  }
  const double negatives = static_cast<double>(scores.size()) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

double precision_at(std::span<const double> scores, std::span<const char> positive, std::size_t k) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, order.size());
  if (k == 0) return 0;
  // Best first; equal scores keep their input order, so the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return ranked(scores[i]) > ranked(scores[j]); });
  double hits = 0;
  for (std::size_t i = 0; i < k; ++i) hits += positive[order[i]] ? 1 : 0;
  return hits / static_cast<double>(k);
}

}  // namespace pm::matching::learning
