#include "matching/learning/cold_start.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "matching/learning/logistic_fit.hpp"

namespace pm::matching::learning {

namespace {

// A spread this small relative to the mean is rounding: the feature never varied.
constexpr double kRelativeSd = 1e-6;

}  // namespace

ColdStartModel ColdStartModel::fit(std::span<const PairFeatures> features, std::span<const float> liked,
                                   std::span<const float> weight) {
  ColdStartModel m;
  // Each feature's mean and spread over the pairs where it is known (for scale only: the fit
  // itself weighs each example by its weight).
  std::array<double, kFeatureCount> sum{}, sq{}, count{};
  double likes = 0, total = 0;
  for (std::size_t r = 0; r < features.size(); ++r) {
    likes += weight[r] * liked[r];
    total += weight[r];
    for (int i = 0; i < kFeatureCount; ++i)
      if (const double v = features[r].values[i]; PairFeatures::known(features[r].values[i])) {
        sum[i] += v;
        sq[i] += v * v;
        ++count[i];
      }
  }
  for (int i = 0; i < kFeatureCount; ++i) {
    m.means_[i] = count[i] > 0 ? sum[i] / count[i] : 0;
    const double sd = count[i] > 1 ? std::sqrt(std::max(0.0, sq[i] / count[i] - m.means_[i] * m.means_[i])) : 0;
    m.sds_[i] = sd > kRelativeSd * std::max(1.0, std::abs(m.means_[i])) ? sd : 0;
  }
  if (features.empty() || total <= 0) return m;

  const double p = std::clamp(likes / total, 1e-4, 1 - 1e-4);
  std::vector<double> start(kFeatureCount + 1, 0.0);
  start[0] = std::log(p / (1 - p));
  std::vector<double> x(kFeatureCount + 1);  // one row at a time: rows are visited in order
  auto row = [&](std::size_t r) {
    x[0] = 1;
    for (int i = 0; i < kFeatureCount; ++i) {
      const float v = features[r].values[i];
      x[i + 1] = PairFeatures::known(v) && m.sds_[i] > 0 ? (v - m.means_[i]) / m.sds_[i] : 0;
    }
    return LogisticRow{.x = x, .y = liked[r], .w = weight[r]};
  };
  const auto w = fit_logistic(features.size(), row, start);
  m.bias_ = w[0];
  for (int i = 0; i < kFeatureCount; ++i) m.weights_[i] = m.sds_[i] > 0 ? w[i + 1] : 0;
  return m;
}

double ColdStartModel::logit(const PairFeatures& f) const {
  double z = bias_;
  for (int i = 0; i < kFeatureCount; ++i)
    if (PairFeatures::known(f.values[i]) && sds_[i] > 0) z += weights_[i] * (f.values[i] - means_[i]) / sds_[i];
  return z;
}

double ColdStartModel::probability(const PairFeatures& f) const { return 1 / (1 + std::exp(-logit(f))); }

Json ColdStartModel::to_json() const {
  Json list = Json::array();
  for (int i = 0; i < kFeatureCount; ++i)
    list.push_back({{"name", kFeatures[i].name},
                    {"unit", kFeatures[i].unit},
                    {"mean", means_[i]},
                    {"sd", sds_[i]},
                    {"weight_per_sd", weights_[i]}});
  return {{"bias", bias_}, {"features", list}};
}

Result<ColdStartModel> ColdStartModel::from_json(const Json& j) {
  ColdStartModel m;
  try {
    m.bias_ = j.at("bias").get<double>();
    const Json& list = j.at("features");
    if (!list.is_array() || list.size() != kFeatureCount)
      return std::unexpected(Problem("validation-failed", fmt::format("cold start: expected {} features, found {}",
                                                                      static_cast<int>(kFeatureCount), list.size())));
    for (int i = 0; i < kFeatureCount; ++i) {
      const Json& f = list[static_cast<std::size_t>(i)];
      if (f.at("name").get<std::string>() != kFeatures[i].name)
        return std::unexpected(
            Problem("validation-failed", fmt::format("cold start: feature {} is \"{}\", not \"{}\"", i,
                                                     f.at("name").get<std::string>(), kFeatures[i].name)));
      m.means_[i] = f.at("mean").get<double>();
      m.sds_[i] = f.at("sd").get<double>();
      m.weights_[i] = f.at("weight_per_sd").get<double>();
    }
  } catch (const Json::exception& e) {
    return std::unexpected(Problem("validation-failed", fmt::format("cold start: {}", e.what())));
  }
  return m;
}

std::vector<std::string> ColdStartModel::describe() const {
  std::vector<int> order(kFeatureCount);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return std::abs(weights_[x]) > std::abs(weights_[y]); });
  std::vector<std::string> lines;
  for (int i : order)
    lines.push_back(fmt::format("{:<13} {:+.3f} per sd (mean {:.3g}, sd {:.3g}; {})", kFeatures[i].name, weights_[i],
                                means_[i], sds_[i], kFeatures[i].unit));
  return lines;
}

}  // namespace pm::matching::learning
