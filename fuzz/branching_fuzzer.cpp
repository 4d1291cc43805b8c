// Fuzzes the branching evaluator and checker with arbitrary JSON rules against a fixed set of
// answers of every shape. Neither may crash, throw, or loop, whatever the rule.

#include <cstddef>
#include <cstdint>
#include <map>

#include "questionnaire/branching.hpp"

using pm::Json;
using namespace pm::questionnaire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rule = Json::parse(std::string_view(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (rule.is_discarded()) return 0;
  static const std::map<std::string, Json, std::less<>> answers = {
      {"kids", "yes"}, {"drinks", true}, {"hobbies", Json::array({"run", "read"})}, {"faith", 3}, {"bio", "text"}};
  auto lookup = [](std::string_view key) -> const Json* {
    auto it = answers.find(key);
    return it == answers.end() ? nullptr : &it->second;
  };
  (void)is_shown(rule, lookup);
  (void)is_shown(Json{{"show_if", rule}}, lookup);

  static const Question kids = [] {
    Question q{.key = "kids", .type = QuestionType::multiple_choice};
    q.options = {{"yes", "Yes", {}}, {"no", "No", {}}};
    return q;
  }();
  static const Question faith{.key = "faith", .type = QuestionType::slider, .slider = {.min = 0, .max = 10, .step = 1}};
  (void)check_branching(rule, [](std::string_view k) -> const Question* {
    return k == "kids" ? &kids : k == "faith" ? &faith : nullptr;
  });
  return 0;
}
