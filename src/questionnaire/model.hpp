#pragma once
// What the Questionnaire Engine answers, as values: the service returns these and the routes turn
// them into the API's JSON (docs/openapi.yaml: Questionnaire, NextQuestions, SavedAnswer,
// Progress). A question is shown as the user may see it: its trait loadings never leave the bank.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/stored_answer.hpp"

namespace pm::questionnaire {

struct Progress {
  int answered = 0, total = 0, percent = 0;
  bool completed = false;
  Json to_json() const;
};

// One question as the user sees it: locked when it is premium-only for a free user.
struct AskedQuestion {
  Question question;
  bool locked = false;
  std::optional<StoredAnswer> answer;
  Json to_json() const;
};

struct AskedBlock {
  std::string block_id, key, title, description;
  std::vector<AskedQuestion> questions;
};

// GET /questionnaire: the blocks with the questions the user may see and their answers.
struct Questionnaire {
  std::string bank, version, title;
  std::vector<AskedBlock> blocks;
  Progress progress;
  Json to_json() const;
};

// GET /questionnaire/next: the next unanswered questions in asking order.
struct NextQuestions {
  std::vector<AskedQuestion> questions;
  Progress progress;
  Json to_json() const;
};

// PUT /questionnaire/answers/{id}: the answer as stored, and how many later answers branching hid.
struct SavedAnswer {
  std::string question_id;
  StoredAnswer answer;
  std::size_t retired = 0;
  Progress progress;
  Json to_json() const;
};

}  // namespace pm::questionnaire
