#pragma once
// What one user sees of a bank given their answers and plan: the questions shown (branching),
// those locked (premium-only for a free user), and which answers are current. The Questionnaire
// Engine and the demo seeder both need exactly this, so it lives here once.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/model.hpp"
#include "questionnaire/stored_answer.hpp"

namespace pm::questionnaire {

struct View {
  std::vector<const Question*> visible;  // shown and unlocked, in asking order
  std::vector<const Question*> locked;   // shown but premium-only for a free user
  std::set<std::string> visible_ids;
  std::map<std::string, const StoredAnswer*> current;  // answers of visible questions

  int answered() const { return static_cast<int>(current.size()); }
  // `doc` is the response document (for completedAt).
  Progress progress(const Json& doc) const;
};

// `answers` must outlive the view (it points into them).
View view_of(const Bank& bank, const std::map<std::string, StoredAnswer>& answers, bool premium);

}  // namespace pm::questionnaire
