// The branching rule language: every operator, evaluated and checked.

#include <gtest/gtest.h>

#include "questionnaire/branching.hpp"

using namespace pm;
using namespace pm::questionnaire;

namespace {

struct Answers {
  std::map<std::string, Json> values;
  AnswerLookup lookup() const {
    return [this](std::string_view k) -> const Json* {
      auto it = values.find(std::string(k));
      return it == values.end() ? nullptr : &it->second;
    };
  }
};

bool shown(const char* condition, const Answers& a) {
  return is_shown(Json{{"show_if", Json::parse(condition)}}, a.lookup());
}

Question choice(std::string key, std::vector<std::string> options, QuestionType type = QuestionType::multiple_choice) {
  Question q{.key = std::move(key), .type = type};
  for (auto& o : options) q.options.push_back({o, o, {}});
  return q;
}

}  // namespace

TEST(Branching, EveryOperatorEvaluates) {
  Answers a{{{"kids", "yes"}, {"drinks", true}, {"hobbies", Json::array({"run", "read"})}, {"faith", 3}}};
  EXPECT_TRUE(shown(R"({"question": "kids", "equals": "yes"})", a));
  EXPECT_FALSE(shown(R"({"question": "kids", "equals": "no"})", a));
  EXPECT_TRUE(shown(R"({"question": "drinks", "equals": "true"})", a)) << "booleans compare as \"true\"/\"false\"";
  EXPECT_TRUE(shown(R"({"question": "hobbies", "equals": "read"})", a)) << "multiple_select: among the selected";
  EXPECT_TRUE(shown(R"({"question": "kids", "in": ["maybe", "yes"]})", a));
  EXPECT_FALSE(shown(R"({"question": "kids", "in": ["maybe", "no"]})", a));
  EXPECT_TRUE(shown(R"({"question": "hobbies", "in": ["paint", "run"]})", a));
  EXPECT_TRUE(shown(R"({"question": "kids", "not_in": ["no"]})", a));
  EXPECT_FALSE(shown(R"({"question": "hobbies", "not_in": ["run"]})", a));
  EXPECT_FALSE(shown(R"({"question": "missing", "not_in": ["x"]})", a)) << "not_in needs an answer";
  EXPECT_TRUE(shown(R"({"question": "faith", "gte": 3})", a));
  EXPECT_FALSE(shown(R"({"question": "faith", "gte": 4})", a));
  EXPECT_TRUE(shown(R"({"question": "faith", "lte": 3})", a));
  EXPECT_FALSE(shown(R"({"question": "faith", "lte": 2})", a));
  EXPECT_TRUE(shown(R"({"question": "kids", "answered": true})", a));
  EXPECT_TRUE(shown(R"({"question": "missing", "answered": false})", a));
  EXPECT_FALSE(shown(R"({"question": "missing", "answered": true})", a));
  EXPECT_TRUE(shown(R"({"all": [{"question": "kids", "equals": "yes"}, {"question": "faith", "gte": 1}]})", a));
  EXPECT_FALSE(shown(R"({"all": [{"question": "kids", "equals": "yes"}, {"question": "faith", "gte": 9}]})", a));
  EXPECT_TRUE(shown(R"({"any": [{"question": "kids", "equals": "no"}, {"question": "drinks", "equals": "true"}]})", a));
  EXPECT_FALSE(shown(R"({"any": [{"question": "kids", "equals": "no"}, {"question": "faith", "lte": 1}]})", a));
  EXPECT_TRUE(is_shown(Json(), a.lookup())) << "no rule: always shown";
}

TEST(Branching, MalformedRulesNeverThrowAndHide) {
  Answers a{{{"kids", "yes"}}};
  for (const char* junk :
       {"[]", "5", "null", R"({"question": 5, "equals": 1})", R"({"all": "x"})", R"({"any": [1, 2]})",
        R"({"question": "kids", "frobnicate": 1})", R"({"all": [{"all": [{"all": [{"all": [{"all": []}]}]}]}]})"})
    EXPECT_FALSE(shown(junk, a)) << junk;
  EXPECT_FALSE(is_shown(Json::parse(R"({"hide_if": {}})"), a.lookup()));
}

TEST(Branching, ChecksReferencesOperatorsAndValues) {
  Question kids = choice("kids", {"yes", "no"});
  Question faith{.key = "faith", .type = QuestionType::slider, .slider = {.min = 0, .max = 10, .step = 1}};
  auto earlier = [&](std::string_view k) -> const Question* {
    if (k == "kids") return &kids;
    if (k == "faith") return &faith;
    return nullptr;
  };
  auto problems = [&](const char* rule) { return check_branching(Json{{"show_if", Json::parse(rule)}}, earlier); };
  EXPECT_TRUE(problems(R"({"all": [{"question": "kids", "in": ["yes"]}, {"question": "faith", "lte": 4}]})").empty());
  EXPECT_FALSE(problems(R"({"question": "later", "equals": "yes"})").empty()) << "unknown or later question";
  EXPECT_FALSE(problems(R"({"question": "kids", "equals": "maybe"})").empty()) << "unknown option";
  EXPECT_FALSE(problems(R"({"question": "kids", "gte": 2})").empty()) << "gte on a choice";
  EXPECT_FALSE(problems(R"({"question": "faith", "gte": 11})").empty()) << "outside the slider";
  EXPECT_FALSE(problems(R"({"question": "kids", "equals": "yes", "in": ["no"]})").empty()) << "two operators";
  EXPECT_FALSE(problems(R"({"any": []})").empty());
  EXPECT_FALSE(problems(R"({"question": "kids", "regex": "y.*"})").empty());
  EXPECT_FALSE(check_branching(Json::parse(R"({"hide_if": {}})"), earlier).empty());
}
