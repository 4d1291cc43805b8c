#pragma once
// Newton's method for a weighted logistic regression on a handful of features (the Hessian is a
// small dense system): the reciprocal model's linear part and the cold-start score both fit their
// weights with it, so both are exact and reproducible. A small ridge keeps a feature that never
// varies (all zero) at weight 0 and the system solvable.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace pm::matching::learning {

struct LogisticRow {
  std::span<const double> x;  // the features, the same length for every row
  double y = 0, w = 1;        // label (0 or 1) and weight
};

// `row(i)` for i in [0, rows) gives the i-th example; `w` is the starting point (and its size the
// number of features).
template <class RowAt>
std::vector<double> fit_logistic(std::size_t rows, RowAt&& row, std::vector<double> w, double ridge = 1e-3,
                                 int iterations = 12) {
  const std::size_t k = w.size();
  std::vector<double> grad(k), hess(k * k), step(k);
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::fill(grad.begin(), grad.end(), 0.0);
    std::fill(hess.begin(), hess.end(), 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      const LogisticRow e = row(r);
      double z = 0;
      for (std::size_t i = 0; i < k; ++i) z += w[i] * e.x[i];
      const double p = 1 / (1 + std::exp(-z)), g = e.w * (p - e.y), h = e.w * p * (1 - p);
      for (std::size_t i = 0; i < k; ++i) {
        grad[i] += g * e.x[i];
        for (std::size_t j = 0; j < k; ++j) hess[i * k + j] += h * e.x[i] * e.x[j];
      }
    }
    for (std::size_t i = 0; i < k; ++i) {
      grad[i] += ridge * w[i];
      hess[i * k + i] += ridge;
    }
    // Solve hess · step = grad (Gaussian elimination with partial pivoting).
    step = grad;
    for (std::size_t col = 0; col < k; ++col) {
      std::size_t pivot = col;
      for (std::size_t r = col + 1; r < k; ++r)
        if (std::abs(hess[r * k + col]) > std::abs(hess[pivot * k + col])) pivot = r;
      for (std::size_t c = 0; c < k; ++c) std::swap(hess[col * k + c], hess[pivot * k + c]);
      std::swap(step[col], step[pivot]);
      for (std::size_t r = col + 1; r < k; ++r) {
        const double f = hess[r * k + col] / hess[col * k + col];
        for (std::size_t c = col; c < k; ++c) hess[r * k + c] -= f * hess[col * k + c];
        step[r] -= f * step[col];
      }
    }
    for (std::size_t col = k; col-- > 0;) {
      for (std::size_t c = col + 1; c < k; ++c) step[col] -= hess[col * k + c] * step[c];
      step[col] /= hess[col * k + col];
    }
    double largest = 0;
    for (std::size_t i = 0; i < k; ++i) {
      w[i] -= step[i];
      largest = std::max(largest, std::abs(step[i]));
    }
    if (largest < 1e-7) break;
  }
  return w;
}

}  // namespace pm::matching::learning
