// Answer validation, type by type: what is accepted and what is refused.

#include <gtest/gtest.h>

#include "questionnaire/answer_input.hpp"

using namespace pm;
using namespace pm::questionnaire;

namespace {
Question make(QuestionType type) {
  Question q{.key = "q", .type = type};
  if (type == QuestionType::boolean) q.options = {{"true", "Yes", {}}, {"false", "No", {}}};
  if (type == QuestionType::multiple_choice || type == QuestionType::multiple_select)
    q.options = {{"a", "A", {}}, {"b", "B", {}}, {"c", "C", {}}};
  if (type == QuestionType::multiple_select) q.min_selections = 1, q.max_selections = 2;
  if (type == QuestionType::slider) q.slider = {.min = 0, .max = 10, .step = 2};
  if (type == QuestionType::open_ended) q.max_length = 10;
  return q;
}
bool ok(QuestionType t, const char* body) { return parse_answer(make(t), Json::parse(body)).has_value(); }
}  // namespace

TEST(AnswerInput, MultipleChoice) {
  EXPECT_TRUE(ok(QuestionType::multiple_choice, R"({"value": "a", "acceptable": ["a", "b"], "importance": 10})"));
  EXPECT_TRUE(ok(QuestionType::multiple_choice, R"({"value": "c", "acceptable": "any", "importance": 0})"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({"value": "d"})"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({"value": ["a"]})"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({"value": "a", "acceptable": ["z"]})"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({"value": "a", "importance": -1})"));
}

TEST(AnswerInput, MultipleSelect) {
  EXPECT_TRUE(ok(QuestionType::multiple_select, R"({"value": ["a", "c"], "acceptable": ["b"]})"));
  EXPECT_FALSE(ok(QuestionType::multiple_select, R"({"value": ["a", "b", "c"]})")) << "over max_selections";
  EXPECT_FALSE(ok(QuestionType::multiple_select, R"({"value": []})")) << "under min_selections";
  EXPECT_FALSE(ok(QuestionType::multiple_select, R"({"value": ["a", "a"]})"));
  EXPECT_FALSE(ok(QuestionType::multiple_select, R"({"value": "a"})"));
}

TEST(AnswerInput, Slider) {
  EXPECT_TRUE(ok(QuestionType::slider, R"({"value": 4, "acceptable": {"min": 2, "max": 8}})"));
  EXPECT_TRUE(ok(QuestionType::slider, R"({"value": 10.0})"));
  EXPECT_FALSE(ok(QuestionType::slider, R"({"value": 3})")) << "off the step of 2";
  EXPECT_FALSE(ok(QuestionType::slider, R"({"value": 12})"));
  EXPECT_FALSE(ok(QuestionType::slider, R"({"value": "4"})"));
  EXPECT_FALSE(ok(QuestionType::slider, R"({"value": 4, "acceptable": {"min": 8, "max": 2}})"));
  EXPECT_FALSE(ok(QuestionType::slider, R"({"value": 4, "acceptable": ["a"]})"));
}

TEST(AnswerInput, Boolean) {
  EXPECT_TRUE(ok(QuestionType::boolean, R"({"value": false, "acceptable": [true, false]})"));
  EXPECT_FALSE(ok(QuestionType::boolean, R"({"value": "false"})"));
  EXPECT_FALSE(ok(QuestionType::boolean, R"({"value": 0})"));
  EXPECT_FALSE(ok(QuestionType::boolean, R"({"value": true, "acceptable": []})"));
}

TEST(AnswerInput, OpenEnded) {
  auto in = parse_answer(make(QuestionType::open_ended), Json::parse(R"({"value": "  hi there "})"));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->value, "hi there");
  EXPECT_EQ(in->acceptable, "any");
  EXPECT_FALSE(ok(QuestionType::open_ended, R"({"value": "much too long text"})"));
  EXPECT_FALSE(ok(QuestionType::open_ended, R"({"value": ""})"));
  EXPECT_FALSE(ok(QuestionType::open_ended, R"({"value": "fine", "acceptable": ["x"]})"));
}

TEST(AnswerInput, UnknownMembersAndShapesAreRefused) {
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({"value": "a", "extra": 1})"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"([])"));
  EXPECT_FALSE(ok(QuestionType::multiple_choice, R"({})"));
}
