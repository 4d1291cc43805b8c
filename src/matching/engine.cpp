#include "matching/engine.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "admin/audit_log.hpp"
#include "core/actor.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/scope_exit.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "matching/learning/questionnaire_feature.hpp"
#include "matching/ranking.hpp"
#include "questionnaire/answer_sheets.hpp"

namespace pm::matching {

namespace {

constexpr int kAnswerBatch = 1000;                 // users whose answers (or names) one query loads
constexpr std::chrono::seconds kVectorsRetry{60};  // a vectors job's wait while the embedder or database is down

std::string age_range(int age) {
  int lo = age / 5 * 5;
  return fmt::format("{}-{}", lo, lo + 4);
}

// A person as the insights quote them: first name, open answers, key traits and values (from
// `profile`; the pair that quotes them sets the profile it is scored on).
PairPerson pair_person(const ScoringBank& bank, const std::string& first_name, const std::vector<AnswerValue>& answers,
                       const MatchProfile& profile) {
  TraitVectors v = trait_vectors(bank, profile.answers);
  return PairPerson{.first_name = first_name,
                    .open_answers = bank.open_answers(answers),
                    .key_traits = std::move(v.key_traits),
                    .key_values = std::move(v.key_values)};
}

}  // namespace

IndexedUser indexed_user(const ScoringBank& bank, const repository::UserRow& row,
                         const std::vector<AnswerValue>& answers) {
  IndexedUser u{.user_id = row.user_id, .facts = row.facts};
  u.profile.answers = bank.encode_all(answers);
  u.profile.traits = row.traits;
  u.profile.text = row.text;
  // Vectors computed from another bank's dimensions cannot be compared: treat as not computed.
  u.facts.complete = row.facts.complete && !row.traits.empty() && row.traits.size() == bank.bank().dimensions.size();
  return u;
}

std::string embedding_text(const std::string& bio,
                           const std::vector<std::pair<std::string, std::string>>& open_answers) {
  std::string text = bio;
  for (const auto& [question, answer] : open_answers) text += (text.empty() ? "" : "\n") + answer;
  return text;
}

Json vector_document(const std::string& user_id, const TraitVectors& v, const std::vector<float>& text,
                     const std::string& text_hash, const std::string& text_model, const repository::UserRow& row,
                     const std::string& bank_version) {
  const std::string now = iso8601(Clock::now());
  return {
      {"userId", user_id},
      {"profileVector",
       {{"vector", v.profile},
        {"metadata",
         {{"gender", row.gender},
          {"ageRange", row.facts.age > 0 ? age_range(row.facts.age) : ""},
          {"location", row.location}}}}},
      {"personalityTraits",
       {{"vector", v.personality}, {"dimensions", v.personality_dims}, {"metadata", {{"traits", v.key_traits}}}}},
      {"relationshipValues",
       {{"vector", v.values}, {"dimensions", v.value_dims}, {"metadata", {{"values", v.key_values}}}}},
      {"lifestyle", {{"vector", v.lifestyle}, {"dimensions", v.lifestyle_dims}}},
      {"textEmbedding", {{"vector", text}, {"model", text_model}, {"dimensions", text.size()}, {"hash", text_hash}}},
      {"model", {{"name", kTraitModel}, {"version", kTraitModelVersion}, {"dimensions", v.profile.size()}}},
      {"bankVersion", bank_version},
      {"createdAt", now},
      {"updatedAt", now}};
}

std::string Engine::score_details(const PairScore& s, const Insights& insights, bool reversed) {
  const double first = std::round(s.a_satisfied * 10) / 10, second = std::round(s.b_satisfied * 10) / 10;
  JsonWriter out;
  out.begin_object()
      .member("score", s.score)
      .key("satisfaction")
      .begin_object()
      .member("first", reversed ? second : first)
      .member("second", reversed ? first : second)
      .end_object()
      .member("shared_questions", s.shared)
      .key("parts")
      .begin_object()
      .member("answers", s.answers)
      .member("traits", s.traits)
      .key("text");
  if (s.text < 0)
    out.null();
  else
    out.value(s.text);
  out.end_object().key("attributes");
  insights.write_key_factors(out);
  // The summary every plan sees in the list: the insights themselves are written when the match is
  // first opened (Engine::write_insights), and the list must not wait for that.
  out.member("summary", insights.summary).end_object();
  return out.take();
}

Json Engine::score_json(const PairScore& s, const Insights& insights) {
  return Json::parse(score_details(s, insights));
}

Engine::Engine(Deps deps) : d_(deps) {}

Result<std::shared_ptr<CandidateIndex>> Engine::index() {
  auto bank = PM_TRY(d_.questionnaire.bank());
  MutexLock lock(mutex_);
  // A re-imported bank (a new version, questions added or retired, options changed) makes a new
  // index.
  if (!index_ || index_->bank().bank().imported_at != bank->imported_at ||
      index_->bank().bank().version != bank->version ||
      index_->bank().slots().size() + index_->bank().open_questions().size() != bank->questions().size()) {
    index_ = std::make_shared<CandidateIndex>(std::make_shared<const ScoringBank>(*bank));
    watermark_.clear();
    recently_loaded_.clear();
    deletions_since_.clear();
  }
  return index_;
}

Result<std::size_t> Engine::refresh(bool force) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  auto idx = PM_TRY(index());
  MutexLock lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!force && !watermark_.empty() && now - refreshed_at_ < d_.config.index_refresh) return 0;
  refreshed_at_ = now;
  const ScoringBank& bank = idx->bank();
  // The transaction works on copies; the engine's state takes the result once it has committed.
  const std::string watermark = watermark_;
  const auto recently_loaded = recently_loaded_;  // the overlap's few users
  const std::string deletions_since = deletions_since_;
  struct Loaded {
    std::size_t count = 0;
    std::string newest;
    std::unordered_map<std::string, std::string> loaded;
    std::string deletions_checked;
  };
  auto result = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Loaded> {
    std::string newest = watermark;
    const bool full_load = watermark.empty();
    // On a busy machine one page of the full load took over the 10 s meant for requests, and
    // `matches generate --all` stopped before generating anything (docs/benchmarks.md).
    if (full_load) db::allow_long_statements(tx);
    auto changes = repository::changed_users(tx, watermark);
    std::unordered_map<std::string, std::string> loaded;
    for (const auto& c : changes) newest = std::max(newest, c.changed_at);
    // The slack's users loaded by the last poll with the same change time are skipped before their
    // rows are read: at 1,200 vector writes a second that is ~6,000 rows of vectors a poll.
    std::erase_if(changes, [&](const repository::Change& c) {
      if (full_load) return false;
      loaded[c.user_id] = c.changed_at;
      auto seen = recently_loaded.find(c.user_id);
      return seen != recently_loaded.end() && seen->second == c.changed_at;
    });
    for (std::size_t start = 0; start < changes.size(); start += kAnswerBatch) {
      std::vector<std::string> ids;
      for (std::size_t i = start; i < std::min(changes.size(), start + kAnswerBatch); ++i)
        ids.push_back(changes[i].user_id);
      auto answers = questionnaire::answer_sheets::current(tx, ids, bank.bank().key);
      for (const auto& row : repository::user_rows(tx, ids)) {
        IndexedUser u = indexed_user(bank, row, answers[row.user_id]);
        if (u.facts.complete)
          idx->upsert(std::move(u));
        else
          idx->remove(row.user_id);
      }
    }
    // A deleted account leaves no row to reload: without this its location, age and answers stayed
    // in every node's memory (and its place in the candidates) until a restart.
    auto deleted = admin::accounts_deleted_since(tx, deletions_since);
    for (const auto& id : deleted.user_ids) idx->remove(id);
    return Loaded{.count = changes.size(),
                  .newest = std::move(newest),
                  .loaded = std::move(loaded),
                  .deletions_checked = std::move(deleted.now)};
  }));
  watermark_ = std::move(result.newest);
  deletions_since_ = std::move(result.deletions_checked);
  // After a full load (every user) nothing is remembered: the next poll reloads the few in the
  // overlap once, and from then on only the overlap's users are kept.
  recently_loaded_ = std::move(result.loaded);
  return result.count;
}

Result<Json> Engine::compute_vectors(const std::string& user_id) {
  auto docs = PM_TRY(compute_vectors(std::vector<std::string>{user_id}));
  if (docs.empty()) return std::unexpected(Problem("not-found", "there is no such user"));
  return docs.front();
}

Result<std::vector<Json>> Engine::compute_vectors(const std::vector<std::string>& user_ids) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  auto idx = PM_TRY(index());
  const ScoringBank& bank = idx->bank();
  // Read, embed outside the transaction (a remote model may be slow), then write.
  struct Input {
    std::string read_at;  // when: a save from answers read earlier than the stored ones is dropped
    std::vector<repository::UserRow> rows;
    std::map<std::string, std::vector<AnswerValue>> answers;
    std::map<std::string, std::string> bios;
    std::map<std::string, Json> texts;  // the text embeddings stored before
  };
  auto input = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Input> {
    return Input{.read_at = repository::transaction_start(tx),
                 .rows = repository::user_rows(tx, user_ids),
                 .answers = questionnaire::answer_sheets::current(tx, user_ids, bank.bank().key),
                 .bios = repository::bios_of(tx, user_ids),
                 .texts = repository::text_embeddings_of(tx, user_ids)};
  }));
  struct Computed {
    std::string user_id;
    Json doc, metadata;
    std::vector<float> profile;
    bool words_changed = false;  // since the vectors before (their bio or open answers)
    std::string first_name;
  };
  std::vector<Computed> computed;
  for (const auto& row : input.rows) {
    const auto& answers = input.answers[row.user_id];
    TraitVectors v = trait_vectors(bank, bank.encode_all(answers));
    // The text's embedding again only when its words changed: each may be a paid call, and a
    // slider moved back and forth changes the traits, never the words.
    const std::string words = embedding_text(input.bios[row.user_id], bank.open_answers(answers));
    const std::string words_hash = crypto::sha256_hex(words);
    const Json& before = input.texts[row.user_id];
    std::vector<float> text;
    if (before.is_object() && before.value("hash", "") == words_hash &&
        before.value("model", "") == d_.embedder.model() && before.contains("vector") && before["vector"].is_array())
      text = before["vector"].get<std::vector<float>>();
    else
      text = PM_TRY(d_.embedder.embed(words));
    Json metadata = {{"model", kTraitModel},
                     {"version", kTraitModelVersion},
                     {"dimensions", v.profile.size()},
                     {"keyTraits", v.key_traits},
                     {"keyValues", v.key_values},
                     {"textModel", d_.embedder.model()},
                     {"bankVersion", bank.bank().version}};
    computed.push_back(
        {row.user_id, vector_document(row.user_id, v, text, words_hash, d_.embedder.model(), row, bank.bank().version),
         std::move(metadata), v.profile, before.is_object() && before.contains("hash") && before["hash"] != words_hash,
         row.first_name});
  }
  // All the users' vectors in one transaction. Someone who changed their words takes them back
  // from the matches made before: the insights quoted their first open answer to the other person
  // ("they wrote ..."), for as long as the match lasted.
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
    std::vector<repository::VectorsToSave> to_save;
    for (const auto& c : computed) to_save.push_back({c.user_id, &c.doc, &c.profile, &c.metadata});
    const auto saved = repository::save_vectors(tx, to_save, input.read_at);
    for (const auto& c : computed)
      // Not saved: another computation that read the answers later saved first (two workers, a slow
      // provider): its vectors are the fresher ones, and it took care of the quotes.
      if (c.words_changed && saved.contains(c.user_id)) repository::drop_quotes_of(tx, UserId(c.user_id), c.first_name);
    return true;
  }));
  std::vector<Json> docs;
  for (auto& c : computed) docs.push_back(std::move(c.doc));
  return docs;
}

Result<IndexedUser> Engine::indexed(const std::string& user_id) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  PM_TRY(refresh());
  auto idx = PM_TRY(index());
  if (auto u = idx->find(user_id)) return *u;
  PM_TRY(refresh(true));
  if (auto u = idx->find(user_id)) return *u;
  // Not indexed: no vectors yet (computed now if the questionnaire is complete), or not matchable.
  auto state =
      PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::pair<std::optional<repository::UserRow>, bool>> {
        return std::pair{repository::user_row(tx, user_id),
                         questionnaire::answer_sheets::completed(tx, user_id, idx->bank().bank().key)};
      }));
  auto& [row, completed] = state;
  if (!row) return std::unexpected(Problem("not-found", "there is no such user"));
  if (!completed)
    return std::unexpected(
        Problem("questionnaire-incomplete", "complete the questionnaire before matches can be generated"));
  if (!row->facts.complete)
    return std::unexpected(Problem(
        "profile-incomplete",
        "complete your profile (first name, birth date, gender, seeking, location) before matches can be generated"));
  if (row->traits.empty()) {
    PM_TRY(compute_vectors(user_id));
    PM_TRY(refresh(true));
    if (auto u = idx->find(user_id)) return *u;
  }
  return std::unexpected(Problem("profile-incomplete", "your profile cannot be matched yet"));
}

Result<Insights> Engine::insights_for(const PairPerson& a, const PairPerson& b, const PairScore& score, bool llm,
                                      const AnswerFrequencies* frequencies, const Insights* stored) {
  auto idx = PM_TRY(index());
  Insights built = build_insights(idx->bank(), a, b, score, frequencies, InsightParts::all, stored);
  if (!llm) return built;
  // The model writes the premium prose from the facts the built-in analysis found; the scores stay
  // ours, and so does the summary, which every plan sees: the facts include what is premium (the
  // other's own words), and a summary the model wrote from them could carry them to a free plan
  // (or words an open answer slipped in as instructions to it).
  Json facts = {{"score", score.score},
                {"built_in", built.to_json()},
                {"first", {{"name", a.first_name}, {"traits", a.key_traits}, {"values", a.key_values}}},
                {"second", {{"name", b.first_name}, {"traits", b.key_traits}, {"values", b.key_values}}}};
  auto reply = d_.llm.complete_json(
      "You write dating-app compatibility insights. Use only the facts given. Answer with a JSON object with a string "
      "member detailedAnalysis, and arrays of strings conversationStarters and potentialChallenges.",
      facts.dump());
  auto strings = [](const Json& j, const char* key) {
    std::vector<std::string> out;
    if (j.contains(key) && j[key].is_array())
      for (const auto& s : j[key])
        if (s.is_string()) out.push_back(s.get<std::string>());
    return out;
  };
  if (!reply || !(*reply).contains("detailedAnalysis") || !(*reply)["detailedAnalysis"].is_string()) {
    log::warn("insights_llm_fallback", {{"error", reply ? "incomplete answer" : reply.error().type}});
    return built;
  }
  built.detailed_analysis = (*reply)["detailedAnalysis"].get<std::string>();
  if (auto s = strings(*reply, "conversationStarters"); !s.empty()) built.conversation_starters = s;
  if (auto s = strings(*reply, "potentialChallenges"); !s.empty()) built.potential_challenges = s;
  return built;
}

Result<void> Engine::write_insights(const repository::MatchRow& match, const std::vector<Attribute>& attributes,
                                    const UserId& viewer) {
  // One build per match at a time on this node (a client firing many first openings at once must
  // not ask the chat model as many times): an opening while one runs waits for it, as long as a
  // build may take, and then shows what it stored (or, had it failed, what generation stored).
  std::promise<void> built;
  std::shared_future<void> running;
  {
    MutexLock lock(opening_mutex_);
    auto [it, mine] = opening_.try_emplace(match.match_id.str(), built.get_future().share());
    if (!mine) running = it->second;
  }
  if (running.valid()) {
    running.wait_for(d_.config.llm_timeout + std::chrono::seconds(5));
    return {};
  }
  const ScopeExit done([&] {
    {
      MutexLock lock(opening_mutex_);
      opening_.erase(match.match_id.str());
    }
    built.set_value();
  });

  actor::Scope system(actor::Scope::system());  // reads both people's answers (docs/security.md)
  auto idx = PM_TRY(index());
  const ScoringBank& bank = idx->bank();
  const std::vector<std::string> ids{match.user_id_1.str(), match.user_id_2.str()};
  using Read = std::pair<std::vector<repository::UserRow>, std::map<std::string, std::vector<AnswerValue>>>;
  auto read = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Read> {
    // Still the viewer's, and still shown (not blocked since, no banned account): else nothing of
    // either is read, let alone sent to the chat model.
    if (!repository::match_for(tx, match.match_id, viewer)) return Read{};
    auto answers = questionnaire::answer_sheets::current(tx, ids, bank.bank().key);
    return Read{repository::user_rows(tx, ids), {answers.begin(), answers.end()}};
  }));
  auto& [rows, answers] = read;
  if (rows.size() != 2) {
    // Gone, blocked or hidden meanwhile, or an account without the rows matching reads (no
    // preferences row): nothing to write; the match is shown with what generation stored.
    log::info("insights_not_built", {{"match_id", match.match_id.str()}, {"people_read", rows.size()}});
    return {};
  }
  // The one opening it first, as the searcher is at generation ("Ana's answers suit Ben ..." when
  // Ana opens it); the document names the pair in the stored order.
  if (rows[0].user_id != viewer.str()) std::swap(rows[0], rows[1]);
  // The pair as they answer now, scored as generation scores it; its total the stored one.
  const IndexedUser a = indexed_user(bank, rows[0], answers[rows[0].user_id]);
  const IndexedUser b = indexed_user(bank, rows[1], answers[rows[1].user_id]);
  PairPerson first = pair_person(bank, rows[0].first_name, answers[rows[0].user_id], a.profile);
  PairPerson second = pair_person(bank, rows[1].first_name, answers[rows[1].user_id], b.profile);
  first.profile = &a.profile;
  second.profile = &b.profile;
  PairScore score = score_pair(bank, a.profile, b.profile);
  score.score = match.score;
  const AnswerFrequencies frequencies = idx->answer_frequencies();
  // The configured chat model writes the prose only while the llm_insights flag lets it for the
  // person opening the match.
  const bool llm = d_.llm.enabled() && (!llm_insights_on || llm_insights_on(viewer));
  // What generation stored with the match stays what it says, whatever was answered since: the
  // list showed that summary, the match shows those attributes, and the prose is written around them.
  const Insights stored{.attributes = attributes, .summary = match.summary};
  const Insights insights = PM_TRY(insights_for(first, second, score, llm, &frequencies, &stored));
  JsonWriter highlights;
  highlights.begin_object().member("summary", insights.summary).key("keyFactors");
  insights.write_key_factors(highlights);
  // The seed's Compatibility Insights document, naming its match and users.
  JsonWriter document;
  document.begin_object()
      .member("matchId", match.match_id.str())
      .member("userId1", ids[0])
      .member("userId2", ids[1])
      .member("compatibilityScore", match.score)
      .member("generatedAt", iso8601(Clock::now()))
      .key("insights");
  insights.write(document);
  document.member("aiModel", llm ? d_.llm.model() : std::string(kInsightModel))
      .member("version", kInsightVersion)
      .end_object();
  repository::NewInsights kept{.match_id = match.match_id.str(),
                               .viewer = viewer.str(),
                               .highlights = highlights.end_object().take(),
                               .detailed_analysis = insights.detailed_analysis,
                               .document = document.take()};
  for (const auto& at : insights.attributes) kept.attributes.emplace_back(at.name, at.score, at.description);
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    repository::save_insights(tx, kept);
    return {};
  });
}

Result<Generated> Engine::generate(const UserId& user) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  const std::string& user_id = user.str();      // (the index and its reads key users by their id's text)
  auto standings = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::map<std::string, Standing>> {
    return repository::standings(tx, {user_id});
  }));
  auto searched = PM_TRY(search(user_id, standings[user_id]));
  Generated out{.search = searched.stats};
  auto planned = PM_TRY(compose({std::move(searched)}));
  auto& rows = planned.front().rows;
  if (rows.empty()) return out;
  auto inserted = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<repository::InsertedMatch>> {
    return repository::copy_matches(tx, rows);
  }));
  for (const auto& m : inserted) out.match_ids.emplace_back(m.match_id);
  out.created = static_cast<int>(out.match_ids.size());
  matches_written({user_id}, inserted);
  return out;
}

Result<Searched> Engine::search(const std::string& user_id, const Standing& standing) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  auto who = PM_TRY(indexed(user_id));
  if (who.facts.hidden)
    return std::unexpected(
        Problem("profile-hidden",
                "your profile is hidden or not discoverable; make it visible and discoverable to get matches"));
  auto idx = PM_TRY(index());
  Searched out{.user_id = user_id, .who = std::move(who)};
  const int want = d_.config.matches_per_user - standing.pending;
  if (want <= 0) return out;
  // One model for the whole search: a newer one swapped in meanwhile ranks the next.
  const auto model = d_.models.current();
  // A model or the cap may pass over the questionnaire's best: choose from a wider pool, 4x.
  const auto wanted = static_cast<std::size_t>(want);
  // The best n, less those the cap holds back today; whether the index had n to give.
  auto draw = [&](std::size_t n) {
    SearchStats stats;
    auto pool = idx->best(out.who, standing.excluded, n, &stats);
    out.stats = stats;  // the draw whose pool is used
    const bool full = pool.size() == n;
    if (d_.exposure.enabled()) {
      std::vector<std::string> ids;
      for (const auto& c : pool) ids.push_back(c.user_id);
      const auto capped = d_.exposure.capped(ids);
      std::erase_if(pool, [&](const Candidate& c) { return capped.contains(c.user_id); });
    }
    return std::pair{std::move(pool), full};
  };
  // Without a model the cap alone reorders, and only the first `wanted` it lets through are kept:
  // a draw a quarter wider finds them unless the cap holds back more than that, and only then is
  // the 4x pool drawn. The same people either way (the best first, ties by id), for less search:
  // a wide pool makes a search prune less and score 4x the winners in full.
  auto [pool, full] = draw(model ? wanted * 4 : d_.exposure.enabled() ? wanted + (wanted + 3) / 4 : wanted);
  if (!model && d_.exposure.enabled() && pool.size() < wanted && full) pool = draw(wanted * 4).first;
  // The pair features both ways, for the model's cold-start score: from the pool's scores (the
  // features use only the symmetric parts of a score) and the index's copies of the two users. A
  // candidate who left the index since the search (hidden, deleted) is no candidate any more: kept,
  // they would be ranked without features and take a slot that compose() then leaves empty.
  std::map<std::pair<std::string, std::string>, learning::PairFeatures> by_pair;
  if (model) {
    std::vector<Candidate> still_indexed;
    for (auto& c : pool)
      if (auto u = idx->find(c.user_id)) {
        by_pair[{user_id, c.user_id}] = learning::pair_features(idx->bank(), out.who, *u, c.score);
        by_pair[{c.user_id, user_id}] = learning::pair_features(idx->bank(), *u, out.who, c.score);
        still_indexed.push_back(std::move(c));
      }
    pool = std::move(still_indexed);
  }
  const learning::PairFeaturesFn features = [&by_pair](const std::string& a, const std::string& b) {
    auto it = by_pair.find({a, b});
    return it == by_pair.end() ? std::nullopt : std::optional(it->second);
  };
  const auto ranked = rank_candidates(user_id, pool, model ? &model->model : nullptr,
                                      {.want = wanted,
                                       .explore_every = d_.config.exploration_every,
                                       .explore_max_decisions = d_.config.exploration_max_decisions},
                                      features);
  if (model) out.ranking = ranking_name(model->version);
  for (const auto& r : ranked) {
    out.candidates.push_back(r.candidate);
    if (r.explored) out.explored.insert(r.candidate.user_id);
    if (r.mutual) out.mutual[r.candidate.user_id] = *r.mutual;
  }
  return out;
}

void Engine::matches_written(const std::vector<std::string>& generated_for,
                             const std::vector<repository::InsertedMatch>& inserted) {
  const std::unordered_set<std::string> generating(generated_for.begin(), generated_for.end());
  std::vector<std::string> changed = generated_for, shown;
  for (const auto& m : inserted)
    for (const auto* id : {&m.user_id_1, &m.user_id_2}) {
      changed.push_back(*id);
      if (!generating.contains(*id) || generating.contains(m.user_id_1) == generating.contains(m.user_id_2))
        shown.push_back(*id);
    }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  d_.cache.forget_users(std::vector<UserId>(changed.begin(), changed.end()));
  d_.exposure.count(shown);
}

Result<std::vector<Planned>> Engine::compose(std::vector<Searched> searched, PeopleMemo* known) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  auto idx = PM_TRY(index());
  const ScoringBank& bank = idx->bank();

  // The first names behind every pair of every user: what the attributes and summary quote of a
  // person besides their answers (the profile: a searcher's as searched, a candidate's as indexed).
  // Those not in `known` (a batch run's memory of the names it has read) are read in pages of
  // kAnswerBatch users, one statement each. (The prose, which quotes open answers and traits,
  // waits for the first opening: write_insights.)
  std::vector<std::string> ids;
  for (const auto& s : searched) {
    if (s.candidates.empty()) continue;
    ids.push_back(s.user_id);
    for (const auto& c : s.candidates) ids.push_back(c.user_id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  PeopleMemo local;
  PeopleMemo& memo = known ? *known : local;
  std::unordered_map<std::string, std::string> names;
  std::vector<std::string> missing;
  {
    MutexLock lock(memo.mutex);
    for (const auto& id : ids)
      if (auto it = memo.first_names.find(id); it != memo.first_names.end())
        names.emplace(id, it->second);
      else
        missing.push_back(id);
  }
  for (std::size_t start = 0; start < missing.size(); start += kAnswerBatch) {
    std::vector<std::string> page(missing.begin() + static_cast<long>(start),
                                  missing.begin() + static_cast<long>(std::min(missing.size(), start + kAnswerBatch)));
    auto read = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::map<std::string, std::string>> {
      return repository::first_names(tx, page);
    }));
    names.insert(read.begin(), read.end());
    MutexLock lock(memo.mutex);
    memo.first_names.insert(read.begin(), read.end());
  }
  // A person as the attributes and summary quote them, with the profile the pair is scored on (an
  // account gone meanwhile has no name: no pair with them).
  auto person = [&](const std::string& id, const MatchProfile& profile) -> std::optional<PairPerson> {
    auto it = names.find(id);
    if (it == names.end()) return std::nullopt;
    return PairPerson{.first_name = it->second, .profile = &profile};
  };
  // How often each answer is given, once for all the pairs: what makes a shared answer telling.
  const AnswerFrequencies frequencies = idx->answer_frequencies();
  std::vector<Planned> out;
  for (auto& s : searched) {
    Planned planned{.user_id = s.user_id};
    const std::string& user_id = s.user_id;
    const std::optional<PairPerson> me = person(user_id, s.who.profile);
    for (const auto& c : s.candidates) {
      auto other = idx->find(c.user_id);
      if (!me || !other) continue;
      const std::optional<PairPerson> them = person(c.user_id, other->profile);
      if (!them) continue;
      // The built-in analysis only: the attributes, key factors and summary stored with the match
      // are always ours; the prose (and the chat model, when configured) waits for the first view.
      const Insights insights =
          build_insights(bank, *me, *them, c.score, &frequencies, InsightParts::attributes_and_summary);
      // The stored direction follows the canonical order of the pair.
      const bool reversed = c.user_id < user_id;
      repository::NewMatch m{.match_id = crypto::uuid_v7(),
                             .user_a = user_id,
                             .user_b = c.user_id,
                             .score = c.score.score,
                             .score_details = score_details(c.score, insights, reversed)};
      m.ranking = s.explored.contains(c.user_id) ? s.ranking + "-explore" : s.ranking;
      // Where the match sits in both people's lists (matches.rank_key derives from it).
      if (auto it = s.mutual.find(c.user_id); it != s.mutual.end()) m.mutual_interest = it->second;
      m.staged = repository::stage_rows(m);  // here, on the scoring threads, not on the writer
      planned.rows.push_back(std::move(m));
    }
    out.push_back(std::move(planned));
  }
  return out;
}

Result<int> Engine::run_vector_jobs(int limit) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  // compute_vectors jobs are queued by questionnaire completion and changed answers, and by plan
  // changes (reason "plan_changed", subscriptions/entitlements.hpp), with the user's id.
  // A bank import queues the vectors of the answers it cleared: they are computed on that bank,
  // not on this node's copy of the one before (kept up to 10 s). Checked in the claim's own
  // transaction, only when there is work: it sees every import committed before the claim, and
  // its failure leaves the jobs unclaimed.
  auto claimed = db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<jobs::Claimed>> {
    auto jobs = jobs::claim(tx, "compute_vectors", limit);
    if (!jobs.empty()) PM_TRY(d_.questionnaire.current_bank(tx));
    return jobs;
  });
  if (!claimed) {
    if (claimed.error().type == "question-bank-missing") return 0;  // nothing can be computed before an import
    return std::unexpected(claimed.error());
  }
  for (const auto& job : *claimed) {
    const auto user_id = job.payload.value("user_id", std::string());
    const auto reason = job.payload.value("reason", std::string());
    // After a plan change the answers follow the plan first; a questionnaire not completed gets
    // no vectors (they would make its user a candidate).
    // Our side down (the database, the embedding provider: Problem::is_outage) is not the job's
    // failure: it waits for the outage to pass without spending its five attempts, or a few
    // minutes' outage failed the vectors of everyone who completed the questionnaire meanwhile, for
    // good. (A provider that refuses the input, a 502, is the job's failure: it is not postponed.)
    bool compute = true, outage = false;
    std::optional<std::string> error;
    auto failed = [&](const Problem& p) {
      error = p.type + ": " + p.detail;
      outage = p.is_outage();
    };
    if (reason == "plan_changed") {
      auto followed = d_.questionnaire.follow_plan(UserId(user_id));
      if (!followed) failed(followed.error());
      compute = followed && *followed;
    }
    if (compute)
      if (auto done = compute_vectors(user_id); !done) failed(done.error());
    // Each job recorded on its own: one that cannot be leaves the others' records alone (it is
    // taken again once its lease passes).
    auto recorded = db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
      if (outage) return jobs::postpone(tx, job, *error, kVectorsRetry);
      if (!jobs::finish(tx, job, error)) return true;  // another worker has it now: its run decides
      // New vectors, new candidates: the worker regenerates this user's matches next.
      // The first matches after completing the questionnaire always; a regeneration after changed
      // answers within the day's budget (may_regenerate).
      const bool first = reason == "completed";
      if (compute && !error && (first || !may_regenerate || may_regenerate(UserId(user_id))))
        repository::queue_generation(tx, user_id, "vectors_changed");
      return true;
    });
    if (!recorded) log::warn("vector_job_unrecorded", {{"job_id", job.job_id}, {"error", recorded.error().type}});
    if (outage) log::warn("vector_job_postponed", {{"job_id", job.job_id}, {"error", *error}});
  }
  return static_cast<int>(claimed->size());
}

Result<Backlog> Engine::generation_backlog() {
  actor::Scope system(actor::Scope::system());  // the queue holds every user's rows
  return db::transact(d_.db, [](pqxx::work& tx) -> Result<Backlog> { return repository::generation_backlog(tx); });
}

Result<int> Engine::run_generation_queue(int limit) {
  actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
  auto users = PM_TRY(db::transact(
      d_.db, [&](pqxx::work& tx) -> Result<std::vector<UserId>> { return repository::take_queued(tx, limit); }));
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto g = generate(users[i]);
    // A user who cannot be matched (hidden, incomplete) is not an error of the worker, nor is a
    // model provider refusing their input (a 502: it would fail again). An outage (the database, a
    // provider down) puts this user and the rest of the batch back in the queue: taken from it
    // already, they were otherwise never regenerated.
    if (!g && g.error().is_outage()) {
      auto requeued = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
        for (std::size_t j = i; j < users.size(); ++j) repository::queue_generation(tx, users[j].str(), "retry");
        return {};
      });
      if (!requeued) log::warn("generation_queue_not_restored", {{"users", users.size() - i}});
      return std::unexpected(g.error());
    }
    if (!g && g.error().status >= 500) log::warn("generation_failed", {{"problem", g.error().type}});
  }
  return static_cast<int>(users.size());
}

}  // namespace pm::matching
