#include "matching/learning/questionnaire_feature.hpp"

#include <algorithm>

namespace pm::matching::learning {

CompatibilityFn compatibility_from(const ScoringBank& bank,
                                   std::function<const MatchProfile*(const std::string&)> profile_of) {
  return
      [&bank, profile_of = std::move(profile_of)](const std::string& a, const std::string& b) -> std::optional<float> {
        const MatchProfile* pa = profile_of(a);
        const MatchProfile* pb = profile_of(b);
        auto answered = [](const MatchProfile* p) {
          return p && std::any_of(p->answers.begin(), p->answers.end(), [](const auto& x) { return x.answered(); });
        };
        if (!answered(pa) || !answered(pb)) return std::nullopt;
        return questionnaire_feature(score_pair(bank, *pa, *pb));
      };
}

}  // namespace pm::matching::learning
