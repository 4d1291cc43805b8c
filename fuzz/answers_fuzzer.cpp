// Fuzzes answer validation: the first byte picks the question type, the rest is the request
// body. Every input must give a value or a problem: no crash, no exception.

#include <cstddef>
#include <cstdint>

#include "questionnaire/answer_input.hpp"

using pm::Json;
using namespace pm::questionnaire;

namespace {
Question question(QuestionType type) {
  Question q{.key = "q", .type = type};
  if (type == QuestionType::boolean) q.options = {{"true", "Yes", {}}, {"false", "No", {}}};
  if (type == QuestionType::multiple_choice || type == QuestionType::multiple_select)
    q.options = {{"a", "A", {}}, {"b", "B", {}}, {"c", "C", {}}};
  if (type == QuestionType::multiple_select) q.min_selections = 1, q.max_selections = 2;
  if (type == QuestionType::slider) q.slider = {.min = -5, .max = 5, .step = 0.5};
  if (type == QuestionType::open_ended) q.max_length = 40;
  return q;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const Question questions[] = {question(QuestionType::multiple_choice), question(QuestionType::multiple_select),
                                       question(QuestionType::slider), question(QuestionType::boolean),
                                       question(QuestionType::open_ended)};
  const Question& q = questions[data[0] % 5];
  auto body = Json::parse(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), nullptr, false);
  if (body.is_discarded()) return 0;
  auto result = parse_answer(q, body);
  if (result) (void)result->value.dump();  // a valid answer serialises
  return 0;
}
