#pragma once
// One answer as a client sends it (PUT /api/v1/questionnaire/answers/{question_id}), checked
// strictly against its question: the value, what the user accepts from a partner, and how much
// it matters to them.

#include "core/json.hpp"
#include "core/problem.hpp"
#include "questionnaire/bank.hpp"

namespace pm::questionnaire {

struct AnswerInput {
  Json value;          // option key | [keys] | number | bool | trimmed text
  Json acceptable;     // "any" | [option keys] | [true/false] | {"min", "max"} for sliders
  int importance = 5;  // 0-10: the seed's importance_score
};

// 400 "validation-failed" naming each fault. Total: any JSON body gives a value or a problem.
Result<AnswerInput> parse_answer(const Question& question, const Json& body);

}  // namespace pm::questionnaire
