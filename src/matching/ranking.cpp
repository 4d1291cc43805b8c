#include "matching/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "matching/learning/questionnaire_feature.hpp"

namespace pm::matching {

std::vector<Ranked> rank_candidates(const std::string& user_id, const std::vector<Candidate>& candidates,
                                    const learning::ReciprocalModel* model, const RankingOptions& options,
                                    const learning::PairFeaturesFn& features) {
  std::vector<Ranked> out;
  const std::size_t want = std::min(options.want, candidates.size());
  if (!model) {
    for (std::size_t i = 0; i < want; ++i) out.push_back({.candidate = candidates[i]});
    return out;
  }
  // By mutual interest, best first; equal predictions keep the questionnaire's order.
  std::vector<double> mutual(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string& other = candidates[i].user_id;
    if (features) {
      mutual[i] = model->predict(user_id, other, features).mutual;
      continue;
    }
    // symmetric: one score per pair
    const auto q = learning::questionnaire_only(learning::questionnaire_feature(candidates[i].score));
    mutual[i] = model->predict(user_id, other, q, q).mutual;
  }
  std::vector<std::size_t> by_model(candidates.size());
  std::iota(by_model.begin(), by_model.end(), 0);
  std::stable_sort(by_model.begin(), by_model.end(), [&](auto x, auto y) { return mutual[x] > mutual[y]; });
  // Exploration's candidates, in questionnaire order.
  std::vector<std::size_t> newcomers;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (model->decisions_received(candidates[i].user_id) < options.explore_max_decisions) newcomers.push_back(i);

  std::vector<bool> taken(candidates.size(), false);
  std::size_t next_model = 0, next_new = 0;
  auto take_from = [&](const std::vector<std::size_t>& order, std::size_t& next, bool explored) {
    while (next < order.size() && taken[order[next]]) ++next;
    if (next == order.size()) return false;
    taken[order[next]] = true;
    const double m = explored && !out.empty() && out.back().mutual ? *out.back().mutual : mutual[order[next]];
    // A prediction that is not a probability (never expected) stores no key: questionnaire order.
    const bool probability = std::isfinite(m) && m >= 0 && m <= 1;
    out.push_back({.candidate = candidates[order[next]],
                   .explored = explored,
                   .mutual = probability ? std::optional(m) : std::nullopt});
    return true;
  };
  while (out.size() < want) {
    const bool explore_slot = options.explore_every > 0 && (out.size() + 1) % options.explore_every == 0;
    if (explore_slot && take_from(newcomers, next_new, true)) continue;
    if (!take_from(by_model, next_model, false)) break;
  }
  return out;
}

}  // namespace pm::matching
