#include "questionnaire/model.hpp"

namespace pm::questionnaire {

namespace {

Json answer_json(const StoredAnswer& a) {
  return {
      {"value", a.value}, {"acceptable", a.acceptable}, {"importance", a.importance}, {"answered_at", a.answered_at}};
}

Json questions_json(const std::vector<AskedQuestion>& questions) {
  Json out = Json::array();
  for (const auto& q : questions) out.push_back(q.to_json());
  return out;
}

}  // namespace

Json Progress::to_json() const {
  return {{"answered", answered}, {"total", total}, {"percent", percent}, {"completed", completed}};
}

Json AskedQuestion::to_json() const {
  const Question& q = question;
  Json j = {{"question_id", q.id},
            {"key", q.key},
            {"text", q.text},
            {"type", to_string(q.type)},
            {"premium_only", q.premium_only},
            {"locked", locked},
            {"required", q.required},
            {"answer", answer ? answer_json(*answer) : Json(nullptr)}};
  if (!q.options.empty()) {
    Json opts = Json::array();
    for (const auto& o : q.options) opts.push_back({{"key", o.key}, {"label", o.label}});  // loadings stay internal
    j["options"] = opts;
  }
  if (q.type == QuestionType::multiple_select) {
    j["min_selections"] = q.min_selections;
    j["max_selections"] = q.max_selections;
  }
  if (q.type == QuestionType::slider)
    j["slider"] = {{"min", q.slider.min},
                   {"max", q.slider.max},
                   {"step", q.slider.step},
                   {"min_label", q.slider.min_label},
                   {"max_label", q.slider.max_label}};
  if (q.type == QuestionType::open_ended) j["max_length"] = q.max_length;
  return j;
}

Json Questionnaire::to_json() const {
  Json out_blocks = Json::array();
  for (const auto& b : blocks)
    out_blocks.push_back({{"block_id", b.block_id},
                          {"key", b.key},
                          {"title", b.title},
                          {"description", b.description},
                          {"questions", questions_json(b.questions)}});
  return {
      {"bank", bank}, {"version", version}, {"title", title}, {"blocks", out_blocks}, {"progress", progress.to_json()}};
}

Json NextQuestions::to_json() const {
  return {{"questions", questions_json(questions)}, {"progress", progress.to_json()}};
}

Json SavedAnswer::to_json() const {
  return {{"question_id", question_id},
          {"answer", answer_json(answer)},
          {"retired", retired},
          {"progress", progress.to_json()}};
}

}  // namespace pm::questionnaire
