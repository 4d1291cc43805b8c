#include "matching/learning/reciprocal_model.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>

#include "matching/learning/logistic_fit.hpp"
#include "matching/learning/seeded.hpp"

namespace pm::matching::learning {

namespace {

constexpr int kWeights = 5;  // bias, chooser, appeal, questionnaire, questionnaire unknown
constexpr double kMinRate = 1e-4;

double logit(double p) {
  p = std::clamp(p, kMinRate, 1 - kMinRate);
  return std::log(p / (1 - p));
}

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// One example with everything the linear part needs, computed once.
struct Example {
  int a = 0, b = 0;
  std::int64_t at = 0;
  float y = 0, w = 1;
  std::array<double, kWeights> x{};
  double offset = 0;  // the linear part's logit, once its weights are fitted
};

std::array<double, kWeights> fit_linear(const std::vector<Example>& examples,
                                        const std::array<double, kWeights>& start) {
  const auto w = fit_logistic(
      examples.size(),
      [&](std::size_t i) { return LogisticRow{.x = examples[i].x, .y = examples[i].y, .w = examples[i].w}; },
      std::vector<double>(start.begin(), start.end()));
  std::array<double, kWeights> out{};
  std::copy(w.begin(), w.end(), out.begin());
  return out;
}

}  // namespace

double ReciprocalModel::chooser_feature(const UserStats& s, double w, double y) const {
  if (!info_.params.use_tendencies) return 0;
  const double p0 = info_.like_rate, m = info_.params.prior_strength;
  return logit((s.likes_given - w * y + m * p0) / (s.decisions_given - w + m)) - logit(p0);
}

double ReciprocalModel::appeal_feature(const UserStats& s, double w, double y) const {
  if (!info_.params.use_tendencies) return 0;
  const double p0 = info_.like_rate, m = info_.params.prior_strength;
  return logit((s.likes_received - w * y + m * p0) / (s.decisions_received - w + m)) - logit(p0);
}

ReciprocalModel ReciprocalModel::train(std::span<const Outcome> outcomes, const PairFeaturesFn& features,
                                       const TrainingParams& params, std::int64_t trained_at) {
  const auto started = std::chrono::steady_clock::now();
  ReciprocalModel m;
  m.info_.trained_at = trained_at;
  m.info_.outcomes = outcomes.size();
  m.info_.params = params;
  m.info_.params.factors = params.use_factors ? std::max(1, params.factors) : 0;
  const int k = m.info_.params.factors;

  // Users in order of first appearance (deterministic for a given order of outcomes), then sorted
  // by id so that the order of the outcomes does not matter either.
  for (const Outcome& o : outcomes)
    for (const std::string* id : {&o.a, &o.b})
      if (m.index_.emplace(*id, 0).second) m.ids_.push_back(*id);
  std::sort(m.ids_.begin(), m.ids_.end());
  for (std::size_t i = 0; i < m.ids_.size(); ++i) m.index_[m.ids_[i]] = static_cast<int>(i);
  m.info_.users = m.ids_.size();
  m.stats_.assign(m.ids_.size(), {});

  // Examples in a canonical order (by a, b, time, label) so the SGD shuffle sees the same sequence.
  std::vector<Example> examples;
  examples.reserve(outcomes.size());
  double liked = 0, total = 0, compat_sum = 0, compat_weight = 0;
  std::vector<std::optional<PairFeatures>> compats;
  compats.reserve(outcomes.size());
  for (const Outcome& o : outcomes) {
    Example e{.a = m.index_.at(o.a),
              .b = m.index_.at(o.b),
              .at = o.at,
              .y = o.liked ? 1.f : 0.f,
              .w = std::max(o.weight, 0.f)};
    examples.push_back(e);
    liked += e.w * e.y;
    total += e.w;
    auto& s_a = m.stats_[e.a];
    s_a.likes_given += e.w * e.y;
    s_a.decisions_given += e.w;
    auto& s_b = m.stats_[e.b];
    s_b.likes_received += e.w * e.y;
    s_b.decisions_received += e.w;
    compats.push_back(params.use_questionnaire ? features(o.a, o.b) : std::nullopt);
  }
  m.info_.like_rate = total > 0 ? std::clamp(liked / total, 0.001, 0.999) : 0.5;

  // The calibrated cold-start score first, on the pairs whose features are known: the questionnaire
  // part's input below (and what carries people without history).
  if (params.use_questionnaire && params.use_calibration) {
    std::vector<PairFeatures> x;
    std::vector<float> y, weight;
    for (std::size_t i = 0; i < examples.size(); ++i)
      if (compats[i]) {
        x.push_back(*compats[i]);
        y.push_back(examples[i].y);
        weight.push_back(examples[i].w);
      }
    m.cold_start_ = ColdStartModel::fit(x, y, weight);
  }
  std::vector<double> q(examples.size(), 0.0);
  for (std::size_t i = 0; i < examples.size(); ++i)
    if (compats[i]) {
      q[i] = m.questionnaire_value(*compats[i]);
      compat_sum += examples[i].w * q[i];
      compat_weight += examples[i].w;
    }
  m.compat_mean_ = compat_weight > 0 ? compat_sum / compat_weight : 0.5;

  for (std::size_t i = 0; i < examples.size(); ++i) {
    Example& e = examples[i];
    e.x[0] = 1;
    // Leave-one-out: the example's own label is not part of its tendencies, or the fit would
    // learn how a label explains itself through its own count.
    e.x[1] = m.chooser_feature(m.stats_[e.a], e.w, e.y);
    e.x[2] = m.appeal_feature(m.stats_[e.b], e.w, e.y);
    if (params.use_questionnaire) {
      e.x[3] = compats[i] ? q[i] - m.compat_mean_ : 0;
      e.x[4] = compats[i] ? 0 : 1;
    }
  }
  std::sort(examples.begin(), examples.end(), [](const Example& x, const Example& y) {
    return std::tie(x.a, x.b, x.at, x.y, x.w, x.x[3]) < std::tie(y.a, y.b, y.at, y.y, y.w, y.x[3]);
  });
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);

  const double p0 = m.info_.like_rate;
  std::array<double, kWeights> w0 = {logit(p0), params.use_tendencies ? 1.0 : 0.0, params.use_tendencies ? 1.0 : 0.0, 0,
                                     0};
  auto w = examples.empty() ? w0 : fit_linear(examples, w0);
  // When people's rates hardly differ, leaving one out makes a tendency fall exactly when the label
  // rises, and the fit finds that spurious inverse. A tendency that predicts the opposite of itself
  // means nothing: drop it (its column zeroed, the ridge keeps its weight at 0) and fit again.
  if (w[1] < 0 || w[2] < 0) {
    for (Example& e : examples) {
      if (w[1] < 0) e.x[1] = 0;
      if (w[2] < 0) e.x[2] = 0;
    }
    w = fit_linear(examples, {w0[0], 0, 0, 0, 0});
  }
  m.weights_.assign(w.begin(), w.end());

  m.taste_.assign(m.ids_.size() * static_cast<std::size_t>(k), 0.f);
  m.attraction_.assign(m.taste_.size(), 0.f);
  if (k > 0 && !examples.empty()) {
    SplitMix rng(params.seed);
    // Small, but not so small that the two sides of each product start at the saddle at zero.
    const float init = 0.1f;
    for (float& v : m.taste_) v = static_cast<float>(rng.normal()) * init;
    for (float& v : m.attraction_) v = static_cast<float>(rng.normal()) * init;
    for (Example& e : examples) {
      e.offset = 0;
      for (int i = 0; i < kWeights; ++i) e.offset += w[i] * e.x[i];
    }
    const float lambda = params.regularization;
    for (int epoch = 0; epoch < params.epochs; ++epoch) {
      const float lr = params.learning_rate / (1.f + static_cast<float>(epoch) / 4.f);
      rng.shuffle(order);
      for (std::size_t i : order) {
        const Example& e = examples[i];
        float* t = &m.taste_[static_cast<std::size_t>(e.a) * k];
        float* v = &m.attraction_[static_cast<std::size_t>(e.b) * k];
        float dot = 0;
        for (int f = 0; f < k; ++f) dot += t[f] * v[f];
        const float g = e.w * (static_cast<float>(sigmoid(e.offset + dot)) - e.y);
        for (int f = 0; f < k; ++f) {
          const float tf = t[f], vf = v[f];
          t[f] -= lr * (g * vf + lambda * tf);
          v[f] -= lr * (g * tf + lambda * vf);
        }
      }
    }
  }
  m.info_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return m;
}

double ReciprocalModel::questionnaire_value(const PairFeatures& f) const {
  return cold_start_ ? cold_start_->logit(f) : f[Feature::questionnaire] / 100;
}

double ReciprocalModel::logit_of(int a, int b, const std::optional<PairFeatures>& ab) const {
  static const UserStats kNobody;
  const UserStats& sa = a >= 0 ? stats_[a] : kNobody;
  const UserStats& sb = b >= 0 ? stats_[b] : kNobody;
  double z = weights_[0] + weights_[1] * chooser_feature(sa) + weights_[2] * appeal_feature(sb);
  if (info_.params.use_questionnaire) z += ab ? weights_[3] * (questionnaire_value(*ab) - compat_mean_) : weights_[4];
  const int k = info_.params.factors;
  if (k > 0 && a >= 0 && b >= 0) {
    const float* t = &taste_[static_cast<std::size_t>(a) * k];
    const float* v = &attraction_[static_cast<std::size_t>(b) * k];
    for (int f = 0; f < k; ++f) z += t[f] * v[f];
  }
  return z;
}

double ReciprocalModel::p_likes(const std::string& a, const std::string& b,
                                const std::optional<PairFeatures>& ab) const {
  auto at = [&](const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? -1 : it->second;
  };
  return sigmoid(logit_of(at(a), at(b), ab));
}

PairPrediction ReciprocalModel::predict(const std::string& a, const std::string& b,
                                        const std::optional<PairFeatures>& ab,
                                        const std::optional<PairFeatures>& ba) const {
  PairPrediction p{.p_a_likes_b = p_likes(a, b, ab), .p_b_likes_a = p_likes(b, a, ba)};
  p.mutual = p.p_a_likes_b * p.p_b_likes_a;
  return p;
}

PairPrediction ReciprocalModel::predict(const std::string& a, const std::string& b,
                                        const PairFeaturesFn& features) const {
  const bool q = info_.params.use_questionnaire;
  return predict(a, b, q ? features(a, b) : std::nullopt, q ? features(b, a) : std::nullopt);
}

}  // namespace pm::matching::learning
