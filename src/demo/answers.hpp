#pragma once
// A demo user's questionnaire answers, drawn from their latent personality: each choice is the
// option whose trait loadings fit the person best (plus noise), each slider sits where its
// loadings point, and what they accept from a partner and how much it matters follow from
// the same traits. Only questions the user would be shown are answered (branching, premium).

#include <string>
#include <vector>

#include "core/json.hpp"
#include "demo/personality.hpp"
#include "demo/random.hpp"
#include "questionnaire/bank.hpp"

namespace pm::demo {

struct GeneratedAnswer {
  const questionnaire::Question* question = nullptr;
  Json value;       // as questionnaire::parse_answer produces it
  Json acceptable;  // "any", option keys, [true/false] or {"min", "max"}
  int importance = 5;
};

// In asking order. Every shown required question is answered; optional open questions are
// answered as the person's chattiness has it. The same inputs and stream give the same answers.
std::vector<GeneratedAnswer> answer_bank(const questionnaire::Bank& bank, const Personality& person,
                                         const std::vector<std::string>& interests, bool premium, Rng& rng);

}  // namespace pm::demo
