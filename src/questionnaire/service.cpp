#include "questionnaire/service.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "questionnaire/answer_input.hpp"
#include "questionnaire/branching.hpp"
#include "questionnaire/response_document.hpp"
#include "questionnaire/view.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::questionnaire {

namespace {

constexpr auto kBankCacheTtl = std::chrono::seconds(10);

// The question as `s`'s user sees it, with their current answer if any.
AskedQuestion asked(const Question& q, bool locked, const StoredAnswer* answer) {
  return {.question = q, .locked = locked, .answer = answer ? std::optional(*answer) : std::nullopt};
}

Problem bank_missing(const std::string& key) {
  return Problem("question-bank-missing", fmt::format("the question bank \"{}\" has not been imported", key));
}

// Whether the response document records a completion (after which answers move the vectors).
bool completed(const Json& doc) { return doc.contains("completedAt") && !doc["completedAt"].is_null(); }

// After the user's answers, plan or bank changed: answers of questions the view no longer shows
// (branching, a lapsed premium plan) are retired, those shown again restored, so the answers the
// matching engine scores are the ones the user sees. Returns how many were retired.
std::size_t follow_view(pqxx::work& tx, const UserId& user_id, const std::map<std::string, StoredAnswer>& answers,
                        const View& view) {
  std::vector<std::string> retire, restore;
  for (const auto& [qid, a] : answers) {
    bool visible = view.visible_ids.count(qid) > 0;
    if (!visible && !a.retired) retire.push_back(qid);
    if (visible && a.retired) restore.push_back(qid);
  }
  repository::set_retired(tx, user_id, retire, true);
  repository::set_retired(tx, user_id, restore, false);
  return retire.size();
}

// Whether a stored answer still passes the checks a new one must (its question may have changed).
bool still_fits(const Question& q, const StoredAnswer& a) {
  Json body = {{"value", a.value}, {"importance", a.importance}};
  if (!a.acceptable.is_null()) body["acceptable"] = a.acceptable;  // null: "any"
  return parse_answer(q, body).has_value();
}

}  // namespace

struct Service::State {
  // The user's answers to `bank` (locked), plan and view of the bank, read in `tx`. In the user's
  // turn (repository::load_answers), unless `take_turn` is false: a bank import, which holds the
  // answers it changes already, must not also wait for each user's turn (the reverse of a save's
  // order: a deadlock), nor take thousands of such locks in one transaction.
  State(pqxx::work& tx, const UserId& user_id, const Bank& bank, bool take_turn = true)
      : tx(tx),
        user_id(user_id),
        bank(bank),
        answers(repository::load_answers(tx, user_id, bank.key, take_turn)),
        premium(repository::is_premium(tx, user_id)),
        view(view_of(bank, answers, premium)) {}

  pqxx::work& tx;
  const UserId& user_id;
  const Bank& bank;
  std::map<std::string, StoredAnswer> answers;
  bool premium = false;
  View view;  // points into `answers`

  Json document() const { return repository::load_response(tx, user_id, bank.key); }
};

std::string device_type_of(std::string_view ua) {
  if (ua.find("iPad") != std::string_view::npos || ua.find("Tablet") != std::string_view::npos) return "tablet";
  if (ua.find("Mobile") != std::string_view::npos || ua.find("Android") != std::string_view::npos) return "mobile";
  return "desktop";
}

Result<std::shared_ptr<const Bank>> Service::bank() {
  std::lock_guard lock(mutex_);
  if (cached_ && std::chrono::steady_clock::now() - cached_at_ < kBankCacheTtl) return cached_;
  return keep(PM_TRY(db::transact(
      db_, [&](pqxx::work& tx) -> Result<std::optional<Bank>> { return repository::load_bank(tx, bank_key_); })));
}

Result<std::shared_ptr<const Bank>> Service::keep(std::optional<Bank> loaded) {
  if (!loaded) return std::unexpected(bank_missing(bank_key_));
  cached_ = std::make_shared<const Bank>(std::move(*loaded));
  cached_at_ = std::chrono::steady_clock::now();
  return cached_;
}

Result<std::shared_ptr<const Bank>> Service::as_imported(pqxx::work& tx, std::shared_ptr<const Bank> cached) {
  if (cached) {
    auto imported_at = repository::bank_imported_at(tx, bank_key_);
    if (!imported_at || *imported_at == cached->imported_at) return cached;
  }
  auto loaded = repository::load_bank(tx, bank_key_);
  std::lock_guard lock(mutex_);
  return keep(std::move(loaded));
}

Result<std::shared_ptr<const Bank>> Service::current_bank(pqxx::work& tx) {
  std::shared_ptr<const Bank> cached;
  {
    std::lock_guard lock(mutex_);
    cached = cached_;
  }
  return as_imported(tx, std::move(cached));
}

template <class T>
Result<T> Service::with_state(const UserId& user_id, const std::function<Result<T>(State&)>& fn) {
  auto cached = PM_TRY(bank());
  return db::transact(db_, [&](pqxx::work& tx) -> Result<T> {
    // The node's copy is kept for 10 s: one that an import (here or on another node) has replaced
    // is read again, so no answer is checked against an option the bank no longer has. (No lock
    // with the import: one committing during this transaction's few milliseconds is not seen; a
    // lock would make every questionnaire request wait out a long import, holding a connection.)
    auto b = PM_TRY(as_imported(tx, cached));
    State s(tx, user_id, *b);
    return fn(s);
  });
}

Result<Questionnaire> Service::questionnaire(const UserId& user_id) {
  return with_state<Questionnaire>(user_id, [](State& s) -> Result<Questionnaire> {
    std::set<std::string> locked;
    for (auto* q : s.view.locked) locked.insert(q->id);
    Questionnaire out{.bank = s.bank.key, .version = s.bank.version, .title = s.bank.title};
    for (const auto& block : s.bank.blocks) {
      AskedBlock& shown = out.blocks.emplace_back(
          AskedBlock{.block_id = block.id, .key = block.key, .title = block.title, .description = block.description});
      for (const auto& q : block.questions) {
        bool is_locked = locked.count(q.id) > 0;
        if (!is_locked && !s.view.visible_ids.count(q.id)) continue;  // hidden by branching
        auto it = s.view.current.find(q.id);
        shown.questions.push_back(asked(q, is_locked, it == s.view.current.end() ? nullptr : it->second));
      }
    }
    out.progress = s.view.progress(s.document());
    return out;
  });
}

Result<NextQuestions> Service::next(const UserId& user_id, int limit) {
  return with_state<NextQuestions>(user_id, [limit](State& s) -> Result<NextQuestions> {
    NextQuestions out;
    for (const Question* q : s.view.visible) {
      if (static_cast<int>(out.questions.size()) >= limit) break;
      if (!s.view.current.count(q->id)) out.questions.push_back(asked(*q, false, nullptr));
    }
    out.progress = s.view.progress(s.document());
    return out;
  });
}

Result<SavedAnswer> Service::answer(const UserId& user_id, const std::string& question_id, const Json& body,
                                    const std::string& device_type) {
  return with_state<SavedAnswer>(user_id, [&](State& s) -> Result<SavedAnswer> {
    const Question* q = s.bank.question_by_id(crypto::canonical_uuid(question_id));
    if (!q) return std::unexpected(Problem("not-found", "there is no question with this id in the questionnaire"));
    auto input = PM_TRY(parse_answer(*q, body));
    if (q->premium_only && !s.premium)
      return std::unexpected(subscriptions::premium_required(
          s.tx, "premium_questions", "this question is for premium members; upgrade to answer it"));
    if (!s.view.visible_ids.count(q->id))
      return std::unexpected(
          Problem("question-not-visible", "your earlier answers hide this question, so it cannot be answered now"));
    // The same answer again changes no vector: no job (each is an embedding, perhaps a paid one).
    auto before = s.answers.find(q->id);
    const bool changed = before == s.answers.end() || before->second.retired || before->second.value != input.value ||
                         before->second.acceptable != input.acceptable || before->second.importance != input.importance;
    repository::upsert_answer(s.tx, user_id, q->id, input.value, input.acceptable, input.importance);
    auto& stored = s.answers[q->id];
    stored = {q->id, input.value, input.acceptable, input.importance, false, iso8601(Clock::now())};

    // Branching may now hide (or show again) later questions: their answers follow.
    auto view = view_of(s.bank, s.answers, s.premium);
    const std::size_t retired = follow_view(s.tx, user_id, s.answers, view);

    auto doc = response_document(s.bank, view, s.document(), user_id.str(), device_type);
    repository::save_response(s.tx, user_id, s.bank.key, doc);
    // After completion every change moves the user's vectors (and so their matches).
    if (changed && completed(doc)) jobs::enqueue(s.tx, "compute_vectors", {{"user_id", user_id}, {"bank", s.bank.key}});
    return SavedAnswer{.question_id = q->id, .answer = stored, .retired = retired, .progress = view.progress(doc)};
  });
}

Result<Progress> Service::progress(const UserId& user_id) {
  return with_state<Progress>(user_id, [](State& s) -> Result<Progress> { return s.view.progress(s.document()); });
}

Result<Progress> Service::complete(const UserId& user_id) {
  return with_state<Progress>(user_id, [&](State& s) -> Result<Progress> {
    // Completing again changes nothing (the answers' changes since already queued their vectors).
    const Json current = s.document();
    if (completed(current)) return s.view.progress(current);
    Json missing = Json::array();
    for (const Question* q : s.view.visible)
      if (q->required && !s.view.current.count(q->id))
        missing.push_back({{"question_id", q->id}, {"key", q->key}, {"text", q->text}});
    if (!missing.empty()) {
      Problem p("questionnaire-incomplete",
                fmt::format("{} required question(s) are still unanswered", missing.size()));
      p.extensions["missing"] = missing;
      return std::unexpected(p);
    }
    // Answers the view counts (one retired while a premium plan lapsed, the plan renewed since)
    // are the ones the engine will score.
    follow_view(s.tx, user_id, s.answers, s.view);
    auto doc = response_document(s.bank, s.view, current, user_id.str(), "");
    doc["completedAt"] = iso8601(Clock::now());
    doc["progress"] = 100;
    // Seconds from the first answer to completion (the seed's metadata.completionTime).
    auto started = repository::seconds_since(s.tx, doc["metadata"]["startedAt"].get<std::string>());
    doc["metadata"]["completionTime"] = std::max<long long>(0, started);
    repository::save_response(s.tx, user_id, s.bank.key, doc);
    // The matching engine computes the user's vectors from this (and generates matches).
    // "completed": the first matches follow whatever the day's generation budget (matching engine).
    jobs::enqueue(s.tx, "compute_vectors", {{"user_id", user_id}, {"bank", s.bank.key}, {"reason", "completed"}});
    return s.view.progress(doc);
  });
}

Result<bool> Service::follow_plan(const UserId& user_id) {
  return with_state<bool>(user_id, [&](State& s) -> Result<bool> {
    if (s.answers.empty()) return false;  // not begun: nothing to follow, no document to start
    follow_view(s.tx, user_id, s.answers, s.view);
    auto doc = response_document(s.bank, s.view, s.document(), user_id.str(), "");
    repository::save_response(s.tx, user_id, s.bank.key, doc);
    return completed(doc);
  });
}

Result<repository::ImportCounts> Service::import(const Json& document) {
  auto parsed = PM_TRY(parse_bank(document));
  auto counts = db::transact(db_, [&](pqxx::work& tx) -> Result<repository::ImportCounts> {
    auto before = repository::load_bank(tx, parsed.key);
    auto counts = repository::import_bank(tx, parsed);
    if (before) counts.answers_cleared = clear_unfit_answers(tx, *before, parsed);
    return counts;
  });
  std::lock_guard lock(mutex_);
  cached_.reset();
  return counts;
}

int Service::clear_unfit_answers(pqxx::work& tx, const Bank& before, const Bank& after) {
  // An answer naming an option the question no longer has (or off a slider's new range, or of
  // another type) would still be scored and quoted: deleted, so the user is asked again. Not
  // retired: a retired answer comes back when branching shows its question again.
  int cleared = 0;
  std::set<std::string> users;
  for (const Question* q : after.questions()) {
    const Question* was = before.question_by_id(q->id);
    if (!was || (was->type == q->type && question_options_json(*was) == question_options_json(*q))) continue;
    std::vector<std::string> unfit;
    for (const auto& [user_id, answer] : repository::answers_to(tx, q->id))
      if (!still_fits(*q, answer)) unfit.push_back(user_id.str());
    repository::delete_answers(tx, q->id, unfit);
    cleared += static_cast<int>(unfit.size());
    users.insert(unfit.begin(), unfit.end());
  }
  // Each such user's branching, response document and (once completed) vectors follow.
  for (const auto& id : users) {
    const UserId user_id(id);
    State s(tx, user_id, after, /*take_turn=*/false);
    follow_view(tx, user_id, s.answers, s.view);
    auto doc = response_document(after, s.view, s.document(), id, "");
    repository::save_response(tx, user_id, after.key, doc);
    if (completed(doc)) jobs::enqueue(tx, "compute_vectors", {{"user_id", user_id}, {"bank", after.key}});
  }
  return cleared;
}

}  // namespace pm::questionnaire
