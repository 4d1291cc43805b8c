// The question bank's keys (questionnaire::parse_bank): lower-case ASCII letters, digits and '_',
// and '-' in the bank's own key. Keys become part of stored ids and URLs, so anything else is refused.

#include <gtest/gtest.h>

#include "questionnaire/bank.hpp"

namespace {

pm::Json bank_with(const std::string& bank_key, const std::string& question_key) {
  return {{"bank", bank_key},
          {"version", "1"},
          {"title", "T"},
          {"dimensions", pm::Json::array()},
          {"blocks",
           {{{"key", "b1"},
             {"title", "B"},
             {"attribute", "personality"},
             {"questions",
              {{{"key", question_key},
                {"text", "Q?"},
                {"type", "open_ended"},
                {"importance_weight", 3},
                {"max_length", 50}}}}}}}};
}

std::string problems_of(const pm::Json& bank) {
  auto parsed = pm::questionnaire::parse_bank(bank);
  std::string messages;
  if (!parsed)
    for (const auto& e : parsed.error().extensions["errors"]) messages += e["message"].get<std::string>() + "; ";
  return messages;
}

}  // namespace

TEST(QuestionBankKeys, AcceptsLowerCaseLettersDigitsAndUnderscores) {
  EXPECT_EQ(problems_of(bank_with("perfect-match", "q_1")), "");
  EXPECT_EQ(problems_of(bank_with("b", "abc_09_z")), "");
}

TEST(QuestionBankKeys, RefusesAnyOtherQuestionKey) {
  for (const char* key : {"", "Q1", "q-1", "q 1", "q.1", "é", "q1\n"})
    EXPECT_NE(problems_of(bank_with("b", key)).find("a question needs a key"), std::string::npos) << key;
  EXPECT_NE(problems_of(bank_with("b", std::string(65, 'q'))).find("at most 64"), std::string::npos);
}

TEST(QuestionBankKeys, RefusesABankKeyOutsideItsAlphabet) {
  for (const char* key : {"", "Perfect", "perfect match", "perfect/match"})
    EXPECT_NE(problems_of(bank_with(key, "q1")).find("\"bank\" must be a key"), std::string::npos) << key;
  EXPECT_NE(problems_of(bank_with(std::string(51, 'b'), "q1")).find("\"bank\" must be a key"), std::string::npos);
}
