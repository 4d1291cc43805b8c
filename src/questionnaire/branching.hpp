#pragma once
// The branching rule language of docs/question-bank-format.md: checking a rule against the bank
// (at import) and evaluating it against a user's answers (at every question asked).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"

namespace pm::questionnaire {

// A question's current answer value by question key (nullptr: unanswered or hidden). Boolean
// answers are true/false, choices option keys, multiple_select arrays of keys, sliders numbers.
using AnswerLookup = std::function<const Json*(std::string_view key)>;

// Problems of `logic` ({"show_if": CONDITION} or null), given the questions asked before this one.
std::vector<std::string> check_branching(const Json& logic,
                                         const std::function<const Question*(std::string_view)>& earlier);

// Whether a question with this `logic` is shown. Total: any JSON gives an answer, never throws.
bool is_shown(const Json& logic, const AnswerLookup& answers);

}  // namespace pm::questionnaire
