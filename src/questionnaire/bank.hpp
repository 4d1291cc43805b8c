#pragma once
// A question bank (docs/question-bank-format.md): blocks of questions with options, slider
// ranges, trait loadings and branching. Parsed and checked as a whole: every problem is reported.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::questionnaire {

enum class QuestionType { multiple_choice, multiple_select, slider, boolean, open_ended };
std::string_view to_string(QuestionType type);
std::optional<QuestionType> question_type_from(std::string_view name);

using Traits = std::map<std::string, double>;  // dimension -> loading in [-1, 1]

struct Option {
  std::string key, label;
  Traits traits;
  std::string about;  // optional: what two people who both chose it share ("never smoke"), for insights
};

struct Slider {
  double min = 0, max = 10, step = 1;
  std::string min_label, max_label;
  Traits at_min, at_max;
};

struct Question {
  std::string id;  // UUIDv5 of "<bank>:<key>"
  std::string key;
  std::string block_key;
  int display_order = 0;  // position within its block, from 1
  std::string text;
  QuestionType type = QuestionType::multiple_choice;
  int importance_weight = 1;
  bool premium_only = false;
  bool required = true;
  std::vector<Option> options;  // choice types and boolean
  int min_selections = 1, max_selections = 1;
  Slider slider;
  int max_length = 0;        // open_ended
  Json branching = nullptr;  // {"show_if": CONDITION} or null
  std::string about;         // optional: what it is about ("smoking"), for insights that never quote `text`
  std::string attribute;     // optional: the match attribute it feeds, when not its block's

  const Option* option(std::string_view key) const;
};

struct Block {
  std::string id;  // UUIDv5 of "<bank>:block:<key>"
  std::string key, title, description, attribute;
  std::vector<Question> questions;
};

struct Dimension {
  std::string key, group, label, description;
};

struct Bank {
  std::string key, version, title;
  // When it was last imported (question_banks.imported_at, as text; empty for one parsed from a
  // file): a node's cached copy whose time differs from the row's is stale.
  std::string imported_at;
  std::vector<Dimension> dimensions;
  std::vector<Block> blocks;

  // Questions in asking order (block order, then their order in the block).
  std::vector<const Question*> questions() const;
  const Question* question_by_id(std::string_view id) const;
  const Question* question_by_key(std::string_view key) const;
  const Block* block_of(const Question& q) const;
};

// The bank from its file's JSON: 400 "invalid-question-bank" listing every problem in
// extensions["errors"] as {question, message} (question empty for bank-level problems).
Result<Bank> parse_bank(const Json& document);
// The bank as stored (questions' options/branching as in the file, minus nothing): for the repository.
Json question_options_json(const Question& q);
Question question_from_stored(const std::string& id, const std::string& key, const std::string& block_key, int order,
                              const std::string& text, const std::string& type, const Json& options,
                              const Json& branching, int importance_weight, bool premium_only, bool required);

}  // namespace pm::questionnaire
