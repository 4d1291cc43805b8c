#include "matching/learning/evaluation.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "matching/learning/metrics.hpp"
#include "matching/learning/seeded.hpp"

namespace pm::matching::learning {

namespace {

using PairKey = std::pair<std::string, std::string>;  // unordered pair, smaller id first

PairKey pair_of(const Outcome& o) { return o.a < o.b ? PairKey{o.a, o.b} : PairKey{o.b, o.a}; }

std::uint64_t pair_hash(const PairKey& p, std::uint64_t seed) {
  std::uint64_t h = 14695981039346656037ull ^ seed;
  for (const std::string* s : {&p.first, &p.second}) {
    for (unsigned char c : *s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  return SplitMix(h).next();
}

// The held-out pairs.
std::set<PairKey> held_out(std::span<const Outcome> outcomes, const EvaluationOptions& options) {
  std::map<PairKey, std::int64_t> first_time;
  for (const Outcome& o : outcomes) {
    auto [it, fresh] = first_time.emplace(pair_of(o), o.at);
    if (!fresh) it->second = std::min(it->second, o.at);
  }
  std::set<PairKey> out;
  if (options.split == Split::random) {
    for (const auto& [pair, at] : first_time)
      if (static_cast<double>(pair_hash(pair, options.seed) >> 11) * 0x1.0p-53 < options.holdout) out.insert(pair);
    return out;
  }
  std::vector<std::pair<std::int64_t, const PairKey*>> by_time;
  for (const auto& [pair, at] : first_time) by_time.emplace_back(at, &pair);
  std::sort(by_time.begin(), by_time.end(),
            [](const auto& x, const auto& y) { return std::tie(x.first, *x.second) < std::tie(y.first, *y.second); });
  const auto keep = static_cast<std::size_t>(static_cast<double>(by_time.size()) * (1 - options.holdout));
  for (std::size_t i = keep; i < by_time.size(); ++i) out.insert(*by_time[i].second);
  return out;
}

struct Decision {
  std::string a, b;
  bool liked = false;
  std::optional<PairFeatures> features;
};

}  // namespace

const RankingReport& EvaluationReport::ranking(std::string_view name) const {
  for (const auto& r : rankings)
    if (r.name == name) return r;
  throw std::out_of_range("no ranking named " + std::string(name));
}

Json EvaluationReport::to_json() const {
  Json list = Json::array();
  for (const auto& r : rankings)
    list.push_back({{"ranking", r.name},
                    {"auc_like", r.auc_like},
                    {"auc_mutual", r.auc_mutual},
                    {"precision_at_k", r.precision},
                    {"train_seconds", r.train_seconds}});
  return {{"train_outcomes", train_outcomes},
          {"test_decisions", test_decisions},
          {"test_pairs_both_decided", test_pairs_both_decided},
          {"choosers_for_precision", choosers_for_precision},
          {"test_like_rate", test_like_rate},
          {"test_mutual_rate", test_mutual_rate},
          {"rankings", list},
          {"cold_start", cold_start ? cold_start->to_json() : Json(nullptr)}};
}

EvaluationReport evaluate(std::span<const Outcome> outcomes, const PairFeaturesFn& features,
                          const EvaluationOptions& options) {
  const std::set<PairKey> test_pairs = held_out(outcomes, options);
  std::vector<Outcome> train;
  std::map<PairKey, bool> directed;  // (a, b) -> a liked b (a reply is a like too)
  for (const Outcome& o : outcomes) {
    if (!test_pairs.contains(pair_of(o))) {
      train.push_back(o);
      continue;
    }
    directed[{o.a, o.b}] |= o.liked;
  }
  std::vector<Decision> decisions;
  for (const auto& [ab, liked] : directed)
    decisions.push_back({ab.first, ab.second, liked, features(ab.first, ab.second)});

  EvaluationReport report;
  report.train_outcomes = train.size();
  report.test_decisions = decisions.size();
  double likes = 0, mutual = 0;
  for (const auto& d : decisions) likes += d.liked;
  report.test_like_rate = decisions.empty() ? 0 : likes / static_cast<double>(decisions.size());

  // Both directions of a held-out pair, by index into `decisions`.
  std::map<PairKey, std::size_t> index;
  for (std::size_t i = 0; i < decisions.size(); ++i) index[{decisions[i].a, decisions[i].b}] = i;
  std::vector<std::pair<std::size_t, std::size_t>> both;
  for (std::size_t i = 0; i < decisions.size(); ++i)
    if (decisions[i].a < decisions[i].b)
      if (auto it = index.find({decisions[i].b, decisions[i].a}); it != index.end()) both.emplace_back(i, it->second);
  report.test_pairs_both_decided = both.size();
  for (auto [i, j] : both) mutual += decisions[i].liked && decisions[j].liked;
  report.test_mutual_rate = both.empty() ? 0 : mutual / static_cast<double>(both.size());

  std::map<std::string, std::vector<std::size_t>> by_chooser;
  for (std::size_t i = 0; i < decisions.size(); ++i) by_chooser[decisions[i].a].push_back(i);
  std::erase_if(by_chooser, [&](const auto& entry) { return entry.second.size() < 2 * options.precision_k; });
  report.choosers_for_precision = by_chooser.size();

  struct Variant {
    const char* name;
    bool questionnaire, calibrated, tendencies, factors;
  };
  for (const Variant& v :
       {Variant{"questionnaire", true, false, false, false}, Variant{"calibrated", true, true, false, false},
        Variant{"tendencies", false, false, true, false}, Variant{"factors+tendencies", false, false, true, true},
        Variant{"blended, today's questionnaire", true, false, true, true},
        Variant{"blended", true, true, true, true}}) {
    TrainingParams params = options.params;
    params.use_questionnaire = v.questionnaire;
    params.use_calibration = v.calibrated;
    params.use_tendencies = v.tendencies;
    params.use_factors = v.factors;
    const ReciprocalModel model = ReciprocalModel::train(train, features, params, 0);
    if (v.calibrated && v.factors) report.cold_start = model.cold_start();
    RankingReport r{.name = v.name, .train_seconds = model.info().seconds};

    std::vector<double> p(decisions.size());
    std::vector<char> liked(decisions.size());
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      p[i] = model.p_likes(decisions[i].a, decisions[i].b, decisions[i].features);
      liked[i] = decisions[i].liked;
    }
    r.auc_like = auc(p, liked);

    std::vector<double> m;
    std::vector<char> matched;
    for (auto [i, j] : both) {
      m.push_back(p[i] * p[j]);
      matched.push_back(decisions[i].liked && decisions[j].liked);
    }
    r.auc_mutual = auc(m, matched);

    double sum = 0;
    for (const auto& [chooser, rows] : by_chooser) {
      std::vector<double> s;
      std::vector<char> y;
      for (std::size_t i : rows) {
        s.push_back(p[i]);
        y.push_back(decisions[i].liked);
      }
      sum += precision_at(s, y, options.precision_k);
    }
    r.precision = by_chooser.empty() ? 0 : sum / static_cast<double>(by_chooser.size());
    report.rankings.push_back(r);
  }
  return report;
}

}  // namespace pm::matching::learning
