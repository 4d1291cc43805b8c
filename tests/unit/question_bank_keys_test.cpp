// The question bank's keys (questionnaire::parse_bank): lower-case ASCII letters, digits and '_',
// and '-' in the bank's own key. Keys become part of stored ids and URLs, so anything else is refused.
// And its members' types: a member of the wrong type is one of the listed problems, never an
// exception.

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

// Before, Json::value() threw for these (the import ended with an exception, not the list), and a
// weight of 2^32 + 3 was read as 3.
TEST(QuestionBank, AMemberOfTheWrongTypeIsAProblemNotAnException) {
  auto question = [](const char* member, const pm::Json& value) {
    auto bank = bank_with("b", "q1");
    bank["blocks"][0]["questions"][0][member] = value;
    return bank;
  };
  auto with = [](const char* path, const pm::Json& value) {
    auto bank = bank_with("b", "q1");
    bank[pm::Json::json_pointer(path)] = value;
    return bank;
  };
  const std::pair<const char*, pm::Json> cases[] = {
      {"premium_only \"yes\"", question("premium_only", "yes")},
      {"required 1", question("required", 1)},
      {"max_length \"50\"", question("max_length", "50")},
      {"max_length 2^32 + 50", question("max_length", 4294967346LL)},
      {"importance_weight 2^32 + 3", question("importance_weight", 4294967299LL)},
      {"a dimension that is no object", with("/dimensions", pm::Json::array({"d"}))},
      {"a block that is no object", with("/blocks", pm::Json::array({"b1"}))},
      {"a question that is no object", with("/blocks/0/questions", pm::Json::array({5}))},
  };
  for (const auto& [what, bank] : cases) {
    std::string problems;
    EXPECT_NO_THROW(problems = problems_of(bank)) << what;
    EXPECT_NE(problems, "") << what;
  }
  EXPECT_EQ(problems_of(question("required", false)), "") << "the right type passes";
}
