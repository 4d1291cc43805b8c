#include "questionnaire/view.hpp"

#include <cmath>

#include "questionnaire/branching.hpp"

namespace pm::questionnaire {

Progress View::progress(const Json& doc) const {
  int total = static_cast<int>(visible.size());
  return {.answered = answered(),
          .total = total,
          .percent = total ? static_cast<int>(std::lround(100.0 * answered() / total)) : 0,
          .completed = doc.contains("completedAt") && !doc["completedAt"].is_null()};
}

View view_of(const Bank& bank, const std::map<std::string, StoredAnswer>& answers, bool premium) {
  View v;
  std::map<std::string, const Json*> by_key;  // answers of questions found visible so far
  auto lookup = [&](std::string_view key) -> const Json* {
    auto it = by_key.find(std::string(key));
    return it == by_key.end() ? nullptr : it->second;
  };
  for (const Question* q : bank.questions()) {
    if (!is_shown(q->branching, lookup)) continue;
    if (q->premium_only && !premium) {
      v.locked.push_back(q);
      continue;
    }
    v.visible.push_back(q);
    v.visible_ids.insert(q->id);
    if (auto it = answers.find(q->id); it != answers.end()) {
      v.current[q->id] = &it->second;
      by_key[q->key] = &it->second.value;
    }
  }
  return v;
}

}  // namespace pm::questionnaire
