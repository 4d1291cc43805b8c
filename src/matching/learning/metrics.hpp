#pragma once
// Ranking quality, for the evaluation: AUC (the chance that a random positive is ranked above a
// random negative; 0.5 is chance) and precision at k.

#include <span>

namespace pm::matching::learning {

// `positive[i]` non-zero: item i is a positive. Ties count half. 0.5 when either class is empty.
double auc(std::span<const double> scores, std::span<const char> positive);

// The share of positives among the k best-scored items (all of them when there are fewer).
double precision_at(std::span<const double> scores, std::span<const char> positive, std::size_t k);

}  // namespace pm::matching::learning
