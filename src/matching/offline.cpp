#include "matching/offline.hpp"

#include <fmt/format.h>

#include "core/validation.hpp"
#include "matching/engine.hpp"
#include "matching/vectors.hpp"
#include "questionnaire/answer_input.hpp"

namespace pm::matching {

namespace {

Problem invalid(std::string detail) { return Problem("validation-failed", std::move(detail)); }

}  // namespace

Result<OfflineUser> parse_offline_user(const ScoringBank& bank, const Json& line, EmbeddingProvider& embedder) {
  if (!line.is_object()) return std::unexpected(invalid("each line must be a JSON object"));
  OfflineUser u;
  const std::string id = string_member(line, "id");
  if (id.empty()) return std::unexpected(invalid("\"id\" (a string) is required"));
  u.indexed.user_id = id;
  Facts& f = u.indexed.facts;
  f.gender = gender_bit(string_member(line, "gender"));
  f.seeking = seeking_mask(string_member(line, "seeking"));
  if (!f.gender) return std::unexpected(invalid(fmt::format("{}: gender must be woman, man or non_binary", id)));
  if (!f.seeking)
    return std::unexpected(invalid(fmt::format("{}: seeking must be woman, man, non_binary or everyone", id)));
  if (!line.contains("age") || !line["age"].is_number_integer() || line["age"].get<int>() < 18 ||
      line["age"].get<int>() > 120)
    return std::unexpected(invalid(fmt::format("{}: age must be a whole number from 18", id)));
  f.age = static_cast<std::int16_t>(line["age"].get<int>());
  if (line.contains("location") && !line["location"].is_null()) {
    const Json& loc = line["location"];
    if (!loc.is_object() || !loc.contains("latitude") || !loc.contains("longitude") || !loc["latitude"].is_number() ||
        !loc["longitude"].is_number() || std::abs(loc["latitude"].get<double>()) > 90 ||
        std::abs(loc["longitude"].get<double>()) > 180)
      return std::unexpected(
          invalid(fmt::format("{}: location must be {{\"latitude\", \"longitude\"}} in degrees", id)));
    f.located = true;
    f.lat = loc["latitude"].get<float>();
    f.lon = loc["longitude"].get<float>();
  }
  const Json prefs = line.value("preferences", Json::object());
  if (!prefs.is_object()) return std::unexpected(invalid(fmt::format("{}: preferences must be an object", id)));
  auto pref = [&](const char* key, int fallback, int lo, int hi) -> std::optional<int> {
    if (!prefs.contains(key) || prefs[key].is_null()) return fallback;
    if (!prefs[key].is_number_integer() || prefs[key].get<int>() < lo || prefs[key].get<int>() > hi)
      return std::nullopt;
    return prefs[key].get<int>();
  };
  auto min_age = pref("min_age", 18, 18, 99), max_age = pref("max_age", 99, 18, 99),
       distance = pref("max_distance", 0, 0, 20000);
  if (!min_age || !max_age || !distance || *min_age > *max_age)
    return std::unexpected(
        invalid(fmt::format("{}: preferences need 18 <= min_age <= max_age <= 99 and max_distance in km", id)));
  f.min_age = static_cast<std::int16_t>(*min_age);
  f.max_age = static_cast<std::int16_t>(*max_age);
  f.max_distance_km = *distance;
  f.complete = true;

  // Answers go through the server's own validation, so what is scored is what the API would store.
  std::vector<AnswerValue> answers;
  for (const auto& a : line.value("answers", Json::array())) {
    const std::string key = a.is_object() ? a.value("question", "") : "";
    const questionnaire::Question* q = bank.bank().question_by_key(key);
    if (!q) q = bank.bank().question_by_id(key);
    if (!q) return std::unexpected(invalid(fmt::format("{}: unknown question \"{}\"", id, key)));
    Json body = a;
    body.erase("question");
    auto parsed = questionnaire::parse_answer(*q, body);
    if (!parsed) return std::unexpected(invalid(fmt::format("{}: question {}: {}", id, key, parsed.error().detail)));
    answers.push_back({q->id, parsed->value, parsed->acceptable, parsed->importance});
  }
  u.indexed.profile.answers = bank.encode_all(answers);
  TraitVectors v = trait_vectors(bank, u.indexed.profile.answers);
  u.indexed.profile.traits = v.profile;
  auto open = bank.open_answers(answers);
  u.indexed.profile.text = PM_TRY(embedder.embed(embedding_text(string_member(line, "bio"), open)));
  u.person = {.first_name = string_member(line, "name"),
              .profile = nullptr,
              .open_answers = open,
              .key_traits = v.key_traits,
              .key_values = v.key_values};
  return u;
}

Json score_offline_pair(const ScoringBank& bank, const OfflineUser& a, const OfflineUser& b) {
  PairScore s = score_pair(bank, a.indexed.profile, b.indexed.profile);
  PairPerson pa = a.person, pb = b.person;
  pa.profile = &a.indexed.profile;
  pb.profile = &b.indexed.profile;
  Json out = Engine::score_json(s, build_insights(bank, pa, pb, s));
  auto failure = filter_failure(a.indexed.facts, b.indexed.facts);
  out["a"] = a.indexed.user_id;
  out["b"] = b.indexed.user_id;
  out["passes_filters"] = !failure;
  out["filter"] = failure ? Json(std::string(*failure)) : Json(nullptr);
  out["dealbreaker"] = s.dealbreaker ? Json(bank.slots()[*s.dealbreaker].question->key) : Json(nullptr);
  return out;
}

Result<learning::Outcome> parse_outcome_line(const Json& line) {
  learning::Outcome o{.a = string_member(line, "a"), .b = string_member(line, "b")};
  if (o.a.empty() || o.b.empty()) return std::unexpected(invalid("\"a\" and \"b\" (user ids, strings) are required"));
  if (o.a == o.b) return std::unexpected(invalid("\"a\" and \"b\" must be two different users"));
  if (!line.contains("liked") || !line["liked"].is_boolean())
    return std::unexpected(invalid("\"liked\" (true or false) is required"));
  o.liked = line["liked"].get<bool>();
  if (!line.contains("time") || !line["time"].is_number_integer())
    return std::unexpected(invalid("\"time\" (unix seconds, a whole number) is required"));
  o.at = line["time"].get<std::int64_t>();
  if (line.contains("weight")) {
    if (!line["weight"].is_number() || !(line["weight"].get<double>() > 0) || line["weight"].get<double>() > 100)
      return std::unexpected(invalid("\"weight\" must be a number above 0 (at most 100)"));
    o.weight = line["weight"].get<float>();
  }
  return o;
}

Result<std::pair<std::string, std::string>> parse_pair_line(const Json& line) {
  if (!line.is_object() || !line.contains("a") || !line["a"].is_string() || !line.contains("b") ||
      !line["b"].is_string())
    return std::unexpected(invalid("\"a\" and \"b\" (user ids, strings) are required"));
  return std::pair{line["a"].get<std::string>(), line["b"].get<std::string>()};
}

void add_prediction(Json& out, const learning::ReciprocalModel& model, const std::string& a, const std::string& b,
                    const learning::PairFeaturesFn& features) {
  const auto ab = features(a, b), ba = features(b, a);
  const learning::PairPrediction p = model.predict(a, b, ab, ba);
  out["p_a_likes_b"] = p.p_a_likes_b;
  out["p_b_likes_a"] = p.p_b_likes_a;
  out["mutual"] = p.mutual;
  const auto& cold = model.cold_start();
  out["calibrated_a_likes_b"] = cold && ab ? Json(cold->probability(*ab)) : Json(nullptr);
  out["calibrated_b_likes_a"] = cold && ba ? Json(cold->probability(*ba)) : Json(nullptr);
}

}  // namespace pm::matching
