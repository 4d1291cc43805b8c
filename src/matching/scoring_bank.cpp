#include "matching/scoring_bank.hpp"

#include <cmath>

#include <fmt/format.h>

namespace pm::matching {

using questionnaire::Question;
using questionnaire::QuestionType;

int attribute_index(std::string_view key) {
  for (std::size_t i = 0; i < kAttributeKeys.size(); ++i)
    if (key == kAttributeKeys[i]) return static_cast<int>(i);
  return -1;
}

ScoringBank::ScoringBank(questionnaire::Bank bank) : bank_(std::move(bank)) {
  for (const auto& block : bank_.blocks)
    for (const auto& q : block.questions) {
      if (q.type == QuestionType::open_ended) {
        open_.push_back(&q);
        continue;
      }
      slot_by_id_[q.id] = static_cast<int>(slots_.size());
      slots_.push_back({.question = &q,
                        .attribute = attribute_index(q.attribute.empty() ? block.attribute : q.attribute),
                        .slider = q.type == QuestionType::slider});
    }
}

std::optional<int> ScoringBank::slot_of(const std::string& question_id) const {
  auto it = slot_by_id_.find(question_id);
  if (it == slot_by_id_.end()) return std::nullopt;
  return it->second;
}

namespace {

// The option index of a key (booleans' options are keyed "true"/"false").
std::optional<int> option_index(const Question& q, const Json& v) {
  std::string key;
  if (v.is_boolean())
    key = v.get<bool>() ? "true" : "false";
  else if (v.is_string())
    key = v.get<std::string>();
  else
    return std::nullopt;
  for (std::size_t i = 0; i < q.options.size(); ++i)
    if (q.options[i].key == key) return static_cast<int>(i);
  return std::nullopt;
}

// A mask of option indices from one key or a list of keys.
std::optional<std::uint16_t> option_mask(const Question& q, const Json& v) {
  std::uint16_t mask = 0;
  for (const auto& item : v.is_array() ? v : Json::array({v})) {
    auto i = option_index(q, item);
    if (!i || *i >= 16) return std::nullopt;
    mask |= static_cast<std::uint16_t>(1u << *i);
  }
  return mask;
}

std::optional<std::uint16_t> step_of(const Question& q, double value) {
  const auto& s = q.slider;
  if (!std::isfinite(value) || s.step <= 0) return std::nullopt;
  double step = std::round((std::clamp(value, s.min, s.max) - s.min) / s.step);
  if (step < 0 || step > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(step);
}

std::string number(double v) {
  return v == std::floor(v) ? fmt::format("{}", static_cast<long long>(v)) : fmt::format("{:.1f}", v);
}

}  // namespace

std::optional<CompactAnswer> ScoringBank::encode(int slot, const Json& value, const Json& acceptable,
                                                 int importance) const {
  if (slot < 0 || slot >= static_cast<int>(slots_.size())) return std::nullopt;
  const Question& q = *slots_[slot].question;
  CompactAnswer a;
  a.importance = static_cast<std::uint8_t>(std::clamp(importance, 0, 10));
  a.flags = CompactAnswer::kAnswered;
  const bool any = acceptable.is_string() && acceptable.get<std::string>() == "any";
  if (any) a.flags |= CompactAnswer::kAcceptAny;
  if (q.type == QuestionType::slider) {
    if (!value.is_number()) return std::nullopt;
    auto v = step_of(q, value.get<double>());
    if (!v) return std::nullopt;
    a.value = *v;
    if (!any) {
      if (!acceptable.is_object() || !acceptable.contains("min") || !acceptable.contains("max") ||
          !acceptable["min"].is_number() || !acceptable["max"].is_number())
        return std::nullopt;
      auto lo = step_of(q, acceptable["min"].get<double>()), hi = step_of(q, acceptable["max"].get<double>());
      if (!lo || !hi) return std::nullopt;
      a.accept_lo = *lo;
      a.accept_hi = *hi;
    }
    return a;
  }
  auto v = option_mask(q, value);
  if (!v || *v == 0) return std::nullopt;
  a.value = *v;
  if (!any) {
    auto accepted = option_mask(q, acceptable);
    if (!accepted) return std::nullopt;
    a.accept_lo = *accepted;
  }
  return a;
}

std::vector<CompactAnswer> ScoringBank::encode_all(const std::vector<AnswerValue>& answers) const {
  std::vector<CompactAnswer> out(slots_.size());
  for (const auto& a : answers)
    if (auto slot = slot_of(a.question_id))
      if (auto packed = encode(*slot, a.value, a.acceptable, a.importance)) out[*slot] = *packed;
  return out;
}

std::vector<std::pair<std::string, std::string>> ScoringBank::open_answers(
    const std::vector<AnswerValue>& answers) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto* q : open_)
    for (const auto& a : answers)
      if (a.question_id == q->id && a.value.is_string() && !a.value.get<std::string>().empty())
        out.emplace_back(q->about, a.value.get<std::string>());
  return out;
}

std::vector<int> ScoringBank::chosen(int slot, const CompactAnswer& answer) const {
  std::vector<int> out;
  if (slots_[slot].slider) return out;
  for (int i = 0; i < 16; ++i)
    if (answer.value & (1u << i)) out.push_back(i);
  return out;
}

std::string ScoringBank::describe(int slot, const CompactAnswer& answer) const {
  const Question& q = *slots_[slot].question;
  if (slots_[slot].slider) {
    double v = q.slider.min + answer.value * q.slider.step;
    return fmt::format("{} on a scale from {} ({}) to {} ({})", number(v), number(q.slider.min), q.slider.min_label,
                       number(q.slider.max), q.slider.max_label);
  }
  std::string out;
  int shown = 0;
  auto picks = chosen(slot, answer);
  for (int i : picks) {
    if (i >= static_cast<int>(q.options.size())) continue;
    if (shown == 3) {
      out += fmt::format(" and {} more", picks.size() - 3);
      break;
    }
    out += (shown ? ", " : "") + q.options[i].label;
    ++shown;
  }
  return out;
}

}  // namespace pm::matching
