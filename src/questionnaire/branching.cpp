#include "questionnaire/branching.hpp"

#include <fmt/format.h>

namespace pm::questionnaire {

namespace {

constexpr int kMaxDepth = 4;
constexpr std::size_t kMaxItems = 10;

// The answer as conditions compare it: booleans as the option keys "true"/"false".
Json comparable(const Json& answer) {
  if (answer.is_boolean()) return answer.get<bool>() ? "true" : "false";
  return answer;
}

bool matches_value(const Json& answer, const Json& value) {
  Json a = comparable(answer);
  if (a.is_array()) {
    for (const auto& item : a)
      if (item == value) return true;
    return false;
  }
  if (a.is_number() && value.is_number()) return a.get<double>() == value.get<double>();
  return a == value;
}

bool evaluate(const Json& c, const AnswerLookup& answers, int depth) {
  if (!c.is_object() || depth > kMaxDepth) return false;
  if (auto all = c.find("all"); all != c.end()) {
    if (!all->is_array() || all->empty()) return false;
    for (const auto& item : *all)
      if (!evaluate(item, answers, depth + 1)) return false;
    return true;
  }
  if (auto any = c.find("any"); any != c.end()) {
    if (!any->is_array()) return false;
    for (const auto& item : *any)
      if (evaluate(item, answers, depth + 1)) return true;
    return false;
  }
  auto q = c.find("question");
  if (q == c.end() || !q->is_string()) return false;
  const Json* answer = answers(q->get_ref<const std::string&>());
  if (auto answered = c.find("answered"); answered != c.end())
    return answered->is_boolean() && (answer != nullptr) == answered->get<bool>();
  if (answer == nullptr) return false;
  if (auto eq = c.find("equals"); eq != c.end()) return matches_value(*answer, *eq);
  if (auto in = c.find("in"); in != c.end()) {
    if (!in->is_array()) return false;
    for (const auto& v : *in)
      if (matches_value(*answer, v)) return true;
    return false;
  }
  if (auto not_in = c.find("not_in"); not_in != c.end()) {
    if (!not_in->is_array()) return false;
    for (const auto& v : *not_in)
      if (matches_value(*answer, v)) return false;
    return true;
  }
  if (auto gte = c.find("gte"); gte != c.end())
    return answer->is_number() && gte->is_number() && answer->get<double>() >= gte->get<double>();
  if (auto lte = c.find("lte"); lte != c.end())
    return answer->is_number() && lte->is_number() && answer->get<double>() <= lte->get<double>();
  return false;
}

// Is `v` a value question `q` can have, as a condition writes it?
bool valid_value(const Question& q, const Json& v) {
  if (q.type == QuestionType::slider)
    return v.is_number() && v.get<double>() >= q.slider.min && v.get<double>() <= q.slider.max;
  if (q.type == QuestionType::open_ended) return false;
  return v.is_string() && q.option(v.get_ref<const std::string&>()) != nullptr;
}

void check(const Json& c, const std::function<const Question*(std::string_view)>& earlier, int depth,
           std::vector<std::string>& errors) {
  if (depth > kMaxDepth) {
    errors.push_back(fmt::format("branching nests deeper than {} levels", kMaxDepth));
    return;
  }
  if (!c.is_object()) {
    errors.push_back("a branching condition must be an object");
    return;
  }
  for (const char* group : {"all", "any"}) {
    if (auto it = c.find(group); it != c.end()) {
      if (c.size() != 1) errors.push_back(fmt::format("\"{}\" must be the condition's only member", group));
      if (!it->is_array() || it->empty() || it->size() > kMaxItems)
        errors.push_back(fmt::format("\"{}\" must list 1 to {} conditions", group, kMaxItems));
      else
        for (const auto& item : *it) check(item, earlier, depth + 1, errors);
      return;
    }
  }
  auto qk = c.find("question");
  if (qk == c.end() || !qk->is_string()) {
    errors.push_back("a condition needs \"question\" (an earlier question's key), or \"all\"/\"any\"");
    return;
  }
  const auto& key = qk->get_ref<const std::string&>();
  const Question* q = earlier(key);
  if (!q) {
    errors.push_back(fmt::format("branching refers to \"{}\", which is not an earlier question of the bank", key));
    return;
  }
  if (c.size() != 2) {
    errors.push_back(fmt::format("a condition on \"{}\" needs exactly one operator", key));
    return;
  }
  for (const auto& [op, v] : c.items()) {
    if (op == "question") continue;
    if (op == "answered") {
      if (!v.is_boolean()) errors.push_back("\"answered\" takes true or false");
    } else if (op == "equals") {
      if (!valid_value(*q, v)) errors.push_back(fmt::format("\"equals\" on \"{}\" names a value it cannot have", key));
    } else if (op == "in" || op == "not_in") {
      if (!v.is_array() || v.empty())
        errors.push_back(fmt::format("\"{}\" takes a non-empty list", op));
      else
        for (const auto& item : v)
          if (!valid_value(*q, item))
            errors.push_back(fmt::format("\"{}\" on \"{}\" names a value it cannot have", op, key));
    } else if (op == "gte" || op == "lte") {
      if (q->type != QuestionType::slider)
        errors.push_back(fmt::format("\"{}\" applies to sliders; \"{}\" is not one", op, key));
      else if (!valid_value(*q, v))
        errors.push_back(fmt::format("\"{}\" on \"{}\" is outside its range", op, key));
    } else {
      errors.push_back(fmt::format("unknown branching operator \"{}\"", op));
    }
  }
}

}  // namespace

std::vector<std::string> check_branching(const Json& logic,
                                         const std::function<const Question*(std::string_view)>& earlier) {
  std::vector<std::string> errors;
  if (logic.is_null()) return errors;
  if (!logic.is_object() || logic.size() != 1 || !logic.contains("show_if")) {
    errors.push_back("branching_logic must be {\"show_if\": CONDITION}");
    return errors;
  }
  check(logic.at("show_if"), earlier, 1, errors);
  return errors;
}

bool is_shown(const Json& logic, const AnswerLookup& answers) {
  if (logic.is_null()) return true;
  if (!logic.is_object()) return false;
  auto show_if = logic.find("show_if");
  if (show_if == logic.end()) return false;
  return evaluate(*show_if, answers, 1);
}

}  // namespace pm::questionnaire
