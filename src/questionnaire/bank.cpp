#include "questionnaire/bank.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/validation.hpp"
#include "questionnaire/branching.hpp"

namespace pm::questionnaire {

namespace {

constexpr std::string_view kTypeNames[] = {"multiple_choice", "multiple_select", "slider", "boolean", "open_ended"};
constexpr std::string_view kGroups[] = {"personality", "values", "lifestyle"};
constexpr std::string_view kAttributes[] = {"shared_values", "communication_style", "lifestyle",
                                            "personality",   "interests",           "relationship_goals"};

template <class Range>
bool contains(const Range& r, std::string_view v) {
  for (auto x : r)
    if (x == v) return true;
  return false;
}

// Collects problems, each naming the question (or block) it belongs to.
struct Problems {
  Json list = Json::array();
  void add(std::string_view where, std::string message) {
    list.push_back({{"question", where}, {"message", std::move(message)}});
  }
};

// A key of lower-case ASCII letters, digits and '_' (and '-' where `hyphen`). Checked by hand:
// <regex> alone took half of this file's compile time.
bool valid_key(const Json& v, std::size_t max, bool hyphen = false) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > max) return false;
  return std::ranges::all_of(s, [hyphen](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (hyphen && c == '-');
  });
}

// Member `key` of `obj`, or null when it is absent or `obj` is not an object (Json::value()
// throws for a non-object, which ended an import with an exception instead of its list of problems).
Json member(const Json& obj, const char* key) {
  auto it = obj.find(key);  // end() for a non-object too
  return it == obj.end() ? Json() : *it;
}

// A true/false member, `fallback` when absent; another type is a problem.
bool flag_member(const Json& obj, const char* key, bool fallback, std::string_view where, Problems& p) {
  const Json v = member(obj, key);
  if (v.is_null()) return fallback;
  if (v.is_boolean()) return v.get<bool>();
  p.add(where, fmt::format("\"{}\" must be true or false", key));
  return fallback;
}

// A required whole-number member from `min` to `max`. Absent, another type or out of range
// (compared whole: 4294967297 is not 1) is a problem, and 0.
int count_member(const Json& obj, const char* key, std::int64_t min, std::int64_t max, std::string_view where,
                 Problems& p, const std::string& message) {
  const Json v = member(obj, key);
  if (v.is_number_integer() && v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max)
    return static_cast<int>(v.get<std::int64_t>());
  p.add(where, message);
  return 0;
}

Traits parse_traits(const Json& obj, const char* member, const std::set<std::string>& dims, std::string_view where,
                    Problems& p) {
  Traits traits;
  auto it = obj.find(member);
  if (it == obj.end()) return traits;
  if (!it->is_object()) {
    p.add(where, fmt::format("\"{}\" must be an object of dimension: loading", member));
    return traits;
  }
  for (const auto& [dim, loading] : it->items()) {
    if (!dims.count(dim))
      p.add(where, fmt::format("trait dimension \"{}\" is not declared", dim));
    else if (!loading.is_number() || std::abs(loading.get<double>()) > 1.0)
      p.add(where, fmt::format("the loading on \"{}\" must be a number in [-1, 1]", dim));
    else
      traits[dim] = loading.get<double>();
  }
  return traits;
}

// An optional short phrase for insights (`about` on a question or an option).
std::string parse_about(const Json& obj, std::string_view where, Problems& p) {
  auto it = obj.find("about");
  if (it == obj.end()) return {};
  if (!it->is_string() || it->get_ref<const std::string&>().empty() || utf8_length(it->get<std::string>()) > 120) {
    p.add(where, "\"about\" must be a non-empty string of at most 120 characters");
    return {};
  }
  return it->get<std::string>();
}

void parse_options(const Json& jq, Question& q, const std::set<std::string>& dims, Problems& p) {
  auto it = jq.find("options");
  if (it == jq.end() || !it->is_array()) {
    p.add(q.key, fmt::format("a {} question needs \"options\"", to_string(q.type)));
    return;
  }
  std::set<std::string> keys;
  for (const auto& jo : *it) {
    if (!jo.is_object() || !jo.contains("key") || !jo["key"].is_string() || string_member(jo, "label").empty()) {
      p.add(q.key, "each option needs a string \"key\" and a \"label\"");
      continue;
    }
    Option o{string_member(jo, "key"), string_member(jo, "label"), parse_traits(jo, "traits", dims, q.key, p)};
    o.about = parse_about(jo, q.key, p);
    if (!keys.insert(o.key).second) p.add(q.key, fmt::format("option \"{}\" appears twice", o.key));
    q.options.push_back(std::move(o));
  }
  if (q.type == QuestionType::boolean) {
    if (keys != std::set<std::string>{"true", "false"})
      p.add(q.key, "a boolean question has exactly the options \"true\" and \"false\"");
  } else if (q.options.size() < 2 || q.options.size() > 12) {
    p.add(q.key, "a choice question has 2 to 12 options");
  }
}

void parse_slider(const Json& jq, Question& q, const std::set<std::string>& dims, Problems& p) {
  for (const char* m : {"min", "max", "step"})
    if (!jq.contains(m) || !jq[m].is_number()) {
      p.add(q.key, fmt::format("a slider needs a number \"{}\"", m));
      return;
    }
  auto& s = q.slider;
  s.min = jq["min"].get<double>();
  s.max = jq["max"].get<double>();
  s.step = jq["step"].get<double>();
  s.min_label = string_member(jq, "min_label");
  s.max_label = string_member(jq, "max_label");
  if (!(s.min < s.max)) p.add(q.key, "slider min must be below max");
  if (!(s.step > 0))
    p.add(q.key, "slider step must be positive");
  else if (double steps = (s.max - s.min) / s.step; std::abs(steps - std::round(steps)) > 1e-9)
    p.add(q.key, "slider max - min must be a whole number of steps");
  if (s.min_label.empty() || s.max_label.empty()) p.add(q.key, "a slider needs \"min_label\" and \"max_label\"");
  s.at_min = parse_traits(jq, "traits_at_min", dims, q.key, p);
  s.at_max = parse_traits(jq, "traits_at_max", dims, q.key, p);
}

}  // namespace

std::string_view to_string(QuestionType type) { return kTypeNames[static_cast<int>(type)]; }

std::optional<QuestionType> question_type_from(std::string_view name) {
  for (int i = 0; i < 5; ++i)
    if (kTypeNames[i] == name) return static_cast<QuestionType>(i);
  return std::nullopt;
}

const Option* Question::option(std::string_view k) const {
  for (const auto& o : options)
    if (o.key == k) return &o;
  return nullptr;
}

std::vector<const Question*> Bank::questions() const {
  std::vector<const Question*> out;
  for (const auto& b : blocks)
    for (const auto& q : b.questions) out.push_back(&q);
  return out;
}

const Question* Bank::question_by_id(std::string_view id) const {
  for (const auto& b : blocks)
    for (const auto& q : b.questions)
      if (q.id == id) return &q;
  return nullptr;
}

const Question* Bank::question_by_key(std::string_view key) const {
  for (const auto& b : blocks)
    for (const auto& q : b.questions)
      if (q.key == key) return &q;
  return nullptr;
}

const Block* Bank::block_of(const Question& q) const {
  for (const auto& b : blocks)
    if (b.key == q.block_key) return &b;
  return nullptr;
}

Result<Bank> parse_bank(const Json& doc) {
  Problems p;
  Bank bank;
  auto fail = [&]() {
    Problem problem("invalid-question-bank", fmt::format("the question bank has {} problem(s)", p.list.size()));
    problem.extensions["errors"] = p.list;
    return std::unexpected(problem);
  };
  if (!doc.is_object()) {
    p.add("", "the bank must be a JSON object");
    return fail();
  }
  if (!valid_key(member(doc, "bank"), 50, true)) p.add("", "\"bank\" must be a key of a-z, 0-9, _ and - (at most 50)");
  bank.key = string_member(doc, "bank");
  bank.version = string_member(doc, "version");
  bank.title = string_member(doc, "title");
  if (bank.version.empty() || bank.version.size() > 50) p.add("", "\"version\" is required (at most 50 characters)");
  if (bank.title.empty()) p.add("", "\"title\" is required");

  std::set<std::string> dims;
  if (!doc.contains("dimensions") || !doc["dimensions"].is_array())
    p.add("", "\"dimensions\" must be an array");
  else
    for (const auto& jd : doc["dimensions"]) {
      Dimension d{string_member(jd, "key"), string_member(jd, "group"), string_member(jd, "label"),
                  string_member(jd, "description")};
      if (!valid_key(member(jd, "key"), 64))
        p.add("", "a dimension needs a key of a-z, 0-9 and _");
      else if (!dims.insert(d.key).second)
        p.add("", fmt::format("dimension \"{}\" is declared twice", d.key));
      if (!contains(kGroups, d.group))
        p.add("",
              fmt::format("dimension \"{}\" has group \"{}\"; use personality, values or lifestyle", d.key, d.group));
      bank.dimensions.push_back(std::move(d));
    }

  std::set<std::string> block_keys, question_keys;
  std::map<std::string, const Question*> earlier;  // filled as questions are read: branching may only look back
  if (!doc.contains("blocks") || !doc["blocks"].is_array() || doc["blocks"].empty())
    p.add("", "\"blocks\" must be a non-empty array");
  else {
    bank.blocks.reserve(doc["blocks"].size());
    for (const auto& jb : doc["blocks"]) {
      Block b{.key = string_member(jb, "key"),
              .title = string_member(jb, "title"),
              .description = string_member(jb, "description"),
              .attribute = string_member(jb, "attribute")};
      if (!valid_key(member(jb, "key"), 64))
        p.add(b.key, "a block needs a key of a-z, 0-9 and _");
      else if (!block_keys.insert(b.key).second)
        p.add(b.key, "this block key appears twice");
      if (b.title.empty()) p.add(b.key, "a block needs a title");
      if (!contains(kAttributes, b.attribute))
        p.add(b.key, fmt::format("block attribute \"{}\" is not a match attribute", b.attribute));
      b.id = crypto::uuid_v5(bank.key + ":block:" + b.key);
      const Json questions = member(jb, "questions");
      if (!questions.is_array() || questions.empty())
        p.add(b.key, "a block needs questions");
      else
        b.questions.reserve(questions.size());
      int order = 0;
      for (const auto& jq : questions.is_array() ? questions : Json::array()) {
        Question q;
        q.key = string_member(jq, "key");
        q.block_key = b.key;
        q.display_order = ++order;
        if (!valid_key(member(jq, "key"), 64)) {
          p.add(q.key, "a question needs a key of a-z, 0-9 and _ (at most 64)");
          continue;
        }
        if (!question_keys.insert(q.key).second) p.add(q.key, "this question key appears twice");
        q.id = crypto::uuid_v5(bank.key + ":" + q.key);
        q.text = string_member(jq, "text");
        if (q.text.empty() || utf8_length(q.text) > 500) p.add(q.key, "\"text\" is required (at most 500 characters)");
        auto type = question_type_from(string_member(jq, "type"));
        if (!type) {
          p.add(q.key, fmt::format("unknown question type \"{}\"", string_member(jq, "type")));
          continue;
        }
        q.type = *type;
        q.importance_weight = count_member(jq, "importance_weight", 1, 10, q.key, p,
                                           "\"importance_weight\" must be an integer from 1 to 10");
        q.about = parse_about(jq, q.key, p);
        if (jq.contains("attribute")) {
          q.attribute = string_member(jq, "attribute");
          if (!contains(kAttributes, q.attribute))
            p.add(q.key, fmt::format("question attribute \"{}\" is not a match attribute", q.attribute));
        }
        q.premium_only = flag_member(jq, "premium_only", false, q.key, p);
        q.required = flag_member(jq, "required", q.type != QuestionType::open_ended, q.key, p);
        switch (q.type) {
          case QuestionType::multiple_choice:
          case QuestionType::boolean:
            parse_options(jq, q, dims, p);
            break;
          case QuestionType::multiple_select:
            parse_options(jq, q, dims, p);
            {
              const std::string bounds =
                  "multiple_select needs 1 <= min_selections <= max_selections <= the number of options";
              const auto options = static_cast<std::int64_t>(q.options.size());
              q.min_selections = count_member(jq, "min_selections", 1, options, q.key, p, bounds);
              q.max_selections = count_member(jq, "max_selections", 1, options, q.key, p, bounds);
              if (q.max_selections < q.min_selections) p.add(q.key, bounds);
            }
            break;
          case QuestionType::slider:
            parse_slider(jq, q, dims, p);
            break;
          case QuestionType::open_ended:
            q.max_length =
                count_member(jq, "max_length", 1, 2000, q.key, p, "open_ended needs max_length from 1 to 2000");
            if (jq.contains("options")) p.add(q.key, "open_ended questions have no options");
            break;
        }
        q.branching = member(jq, "branching_logic");
        for (auto& problem : check_branching(q.branching, [&](std::string_view k) -> const Question* {
               auto it = earlier.find(std::string(k));
               return it == earlier.end() ? nullptr : it->second;
             }))
          p.add(q.key, problem);
        b.questions.push_back(std::move(q));
        // Later questions may refer to this one. The pointer stays valid: the block's capacity is
        // reserved, and moving the block into the bank moves its buffer, not its questions.
        earlier[b.questions.back().key] = &b.questions.back();
      }
      bank.blocks.push_back(std::move(b));
    }
  }
  if (!p.list.empty()) return fail();
  return bank;
}

Json question_options_json(const Question& q) {
  auto traits = [](const Traits& t) {
    Json j = Json::object();
    for (const auto& [k, v] : t) j[k] = v;
    return j;
  };
  Json out = Json::object();
  if (!q.options.empty()) {
    Json opts = Json::array();
    for (const auto& o : q.options) {
      opts.push_back({{"key", o.key}, {"label", o.label}, {"traits", traits(o.traits)}});
      if (!o.about.empty()) opts.back()["about"] = o.about;
    }
    out["options"] = opts;
  }
  if (!q.about.empty()) out["about"] = q.about;
  if (!q.attribute.empty()) out["attribute"] = q.attribute;
  if (q.type == QuestionType::multiple_select) {
    out["min_selections"] = q.min_selections;
    out["max_selections"] = q.max_selections;
  }
  if (q.type == QuestionType::slider)
    out["slider"] = {{"min", q.slider.min},
                     {"max", q.slider.max},
                     {"step", q.slider.step},
                     {"min_label", q.slider.min_label},
                     {"max_label", q.slider.max_label},
                     {"traits_at_min", traits(q.slider.at_min)},
                     {"traits_at_max", traits(q.slider.at_max)}};
  if (q.type == QuestionType::open_ended) out["max_length"] = q.max_length;
  return out;
}

Question question_from_stored(const std::string& id, const std::string& key, const std::string& block_key, int order,
                              const std::string& text, const std::string& type, const Json& options,
                              const Json& branching, int importance_weight, bool premium_only, bool required) {
  Question q{.id = id, .key = key, .block_key = block_key, .display_order = order, .text = text};
  q.type = question_type_from(type).value_or(QuestionType::open_ended);
  q.importance_weight = importance_weight;
  q.premium_only = premium_only;
  q.required = required;
  auto traits = [](const Json& j) {
    Traits t;
    if (j.is_object())
      for (const auto& [k, v] : j.items()) t[k] = v.get<double>();
    return t;
  };
  for (const auto& o : options.value("options", Json::array()))
    q.options.push_back({o["key"], o["label"], traits(o.value("traits", Json())), o.value("about", "")});
  q.about = options.value("about", "");
  q.attribute = options.value("attribute", "");
  q.min_selections = options.value("min_selections", 1);
  q.max_selections = options.value("max_selections", 1);
  if (auto s = options.find("slider"); s != options.end())
    q.slider = {(*s)["min"],
                (*s)["max"],
                (*s)["step"],
                (*s)["min_label"],
                (*s)["max_label"],
                traits(s->value("traits_at_min", Json())),
                traits(s->value("traits_at_max", Json()))};
  q.max_length = options.value("max_length", 0);
  q.branching = branching;
  return q;
}

}  // namespace pm::questionnaire
