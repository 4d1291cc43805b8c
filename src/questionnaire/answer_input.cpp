#include "questionnaire/answer_input.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/validation.hpp"

namespace pm::questionnaire {

namespace {

// A list of distinct option keys of `q`; nullopt (with an error) otherwise.
std::optional<Json> option_list(const Question& q, const Json& v, Fields& f, std::string_view field) {
  if (!v.is_array() || v.empty()) {
    f.fail(field, "must be a non-empty list of option keys");
    return std::nullopt;
  }
  std::set<std::string> seen;
  for (const auto& item : v) {
    if (!item.is_string() || !q.option(item.get_ref<const std::string&>())) {
      f.fail(field, "holds something that is not one of the question's option keys");
      return std::nullopt;
    }
    if (!seen.insert(item.get<std::string>()).second) {
      f.fail(field, "names an option twice");
      return std::nullopt;
    }
  }
  return v;
}

bool on_step(const Slider& s, double x) {
  double steps = (x - s.min) / s.step;
  return std::abs(steps - std::round(steps)) < 1e-9;
}

}  // namespace

Result<AnswerInput> parse_answer(const Question& q, const Json& body) {
  Fields f(body);
  f.allow_only({"value", "acceptable", "importance"});
  AnswerInput in;
  if (auto imp = f.integer("importance", false, 0, 10)) in.importance = static_cast<int>(*imp);
  const Json& value = f.raw("value");
  const Json& acceptable = f.has("acceptable") ? f.raw("acceptable") : Json("any");
  if (q.type != QuestionType::open_ended && (!f.has("value") || value.is_null())) f.fail("value", "is required");
  const bool any = acceptable.is_string() && acceptable.get_ref<const std::string&>() == "any";

  switch (q.type) {
    case QuestionType::multiple_choice:
      if (!value.is_null() && (!value.is_string() || !q.option(value.get_ref<const std::string&>())))
        f.fail("value", "must be one of the question's option keys");
      else
        in.value = value;
      if (!any) in.acceptable = option_list(q, acceptable, f, "acceptable").value_or(Json());
      break;
    case QuestionType::multiple_select:
      if (!value.is_null()) {
        if (auto list = option_list(q, value, f, "value")) {
          int n = static_cast<int>(list->size());
          if (n < q.min_selections || n > q.max_selections)
            f.fail("value", fmt::format("must select {} to {} options", q.min_selections, q.max_selections));
          else
            in.value = *list;
        }
      }
      if (!any) in.acceptable = option_list(q, acceptable, f, "acceptable").value_or(Json());
      break;
    case QuestionType::boolean:
      if (!value.is_null() && !value.is_boolean())
        f.fail("value", "must be true or false");
      else
        in.value = value;
      if (!any) {
        std::set<bool> seen;
        bool ok = acceptable.is_array() && !acceptable.empty() && acceptable.size() <= 2;
        for (const auto& a : ok ? acceptable : Json::array())
          ok = ok && a.is_boolean() && seen.insert(a.get<bool>()).second;
        if (!ok)
          f.fail("acceptable", "must be \"any\" or a list of true and/or false");
        else
          in.acceptable = acceptable;
      }
      break;
    case QuestionType::slider: {
      const auto& s = q.slider;
      if (!value.is_null()) {
        if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < s.min ||
            value.get<double>() > s.max)
          f.fail("value", fmt::format("must be a number from {} to {}", s.min, s.max));
        else if (!on_step(s, value.get<double>()))
          f.fail("value", fmt::format("must be on a step of {} from {}", s.step, s.min));
        else
          in.value = value;
      }
      if (!any) {
        Fields range(acceptable, "acceptable");
        range.allow_only({"min", "max"});
        auto lo = range.number("min", true, s.min, s.max);
        auto hi = range.number("max", true, s.min, s.max);
        if (lo && hi && *lo > *hi) range.fail("min", "must not be above max");
        f.merge(range);
        if (range.ok()) in.acceptable = {{"min", *lo}, {"max", *hi}};
      }
      break;
    }
    case QuestionType::open_ended: {
      auto text = f.multiline_text("value", true, static_cast<std::size_t>(q.max_length));
      if (text) in.value = *text;
      if (!any) f.fail("acceptable", "an open question has no acceptable answers; omit it or send \"any\"");
      break;
    }
  }
  if (any) in.acceptable = "any";
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

}  // namespace pm::questionnaire
