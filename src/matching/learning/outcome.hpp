#pragma once
// One training example of the reciprocal model: a decision by `a` about `b`. Likes and passes
// are decisions of weight 1; a reply to a first message within the reply window is a like with a
// larger weight (kReplyWeight), the strongest positive there is. Only ids, the outcome and its
// time: nothing else about either person enters the model (docs/matching-quality.md).

#include <cstdint>
#include <string>

namespace pm::matching::learning {

struct Outcome {
  std::string a, b;     // a decided about b
  bool liked = false;   // like (or reply) vs pass
  std::int64_t at = 0;  // unix seconds, for time-ordered splits
  float weight = 1;     // 1 for a like or pass; kReplyWeight for a reply
};

inline constexpr float kReplyWeight = 3;

}  // namespace pm::matching::learning
