#include "questionnaire/response_document.hpp"

#include "core/time.hpp"

namespace pm::questionnaire {

Json response_document(const Bank& bank, const View& view, Json doc, const std::string& user_id,
                       const std::string& device_type) {
  Json responses = Json::array(), open = Json::array();
  for (const Question* q : view.visible) {
    auto it = view.current.find(q->id);
    if (it == view.current.end()) continue;
    const auto& a = *it->second;
    if (q->type == QuestionType::open_ended)
      open.push_back({{"questionId", q->id},
                      {"response", a.value},
                      {"importanceScore", a.importance},
                      {"answeredAt", a.answered_at}});
    else
      responses.push_back(
          {{"questionId", q->id},
           {"blockId", bank.block_of(*q)->id},
           {"response", {{"value", a.value}, {"importanceScore", a.importance}, {"acceptable", a.acceptable}}},
           {"answeredAt", a.answered_at}});
  }
  doc["userId"] = user_id;
  doc["responses"] = responses;
  doc["openEndedResponses"] = open;
  doc["progress"] = view.progress(doc).percent;
  if (!doc.contains("completedAt")) doc["completedAt"] = nullptr;
  Json& meta = doc["metadata"];
  if (!meta.is_object()) meta = Json::object();
  if (!meta.contains("startedAt")) meta["startedAt"] = iso8601(Clock::now());
  if (!device_type.empty()) meta["deviceType"] = device_type;
  meta["version"] = bank.version;
  meta["bank"] = bank.key;
  return doc;
}

}  // namespace pm::questionnaire
