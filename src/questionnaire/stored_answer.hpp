#pragma once
// An answer as stored: what the questionnaire's views, the matching engine's inputs and the demo
// seeder share.

#include <string>

#include "core/json.hpp"

namespace pm::questionnaire {

struct StoredAnswer {
  std::string question_id;
  Json value, acceptable;
  int importance = 5;
  bool retired = false;
  std::string answered_at;  // ISO-8601
};

// A new user's answer, as the demo seeder writes it in bulk (bulk::copy_answers).
struct NewAnswer {
  std::string user_id, question_id;
  Json value, acceptable;
  int importance = 0;
};

}  // namespace pm::questionnaire
