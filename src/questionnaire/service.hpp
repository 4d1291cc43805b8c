#pragma once
// The Questionnaire Engine: which questions a user sees (branching, premium), their answers,
// progress and completion, over one question bank (PM_QUESTION_BANK).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/id.hpp"
#include "core/json.hpp"
#include "db/pool.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/model.hpp"
#include "questionnaire/repository.hpp"

namespace pm::questionnaire {

class Service {
 public:
  Service(db::Pool& db, std::string bank_key) : db_(db), bank_key_(std::move(bank_key)) {}

  // Blocks and the questions the user may see (premium-only ones marked "locked" for free users),
  // with the user's current answers. Trait loadings are never included.
  Result<Questionnaire> questionnaire(const UserId& user_id);
  // The next `limit` visible, unlocked, unanswered questions in asking order, with progress.
  Result<NextQuestions> next(const UserId& user_id, int limit);
  // Saves an answer; retires answers that branching now hides. Returns the answer and progress.
  Result<SavedAnswer> answer(const UserId& user_id, const std::string& question_id, const Json& body,
                             const std::string& device_type);
  Result<Progress> progress(const UserId& user_id);
  // Marks the questionnaire complete (409 listing what is missing) and queues the vectors job.
  Result<Progress> complete(const UserId& user_id);
  // After the user's plan changed (a "plan_changed" vectors job): their answers follow what the
  // plan shows (premium answers retired while locked, current again once unlocked), so that the
  // vectors computed next score what the user sees. Returns whether the questionnaire is complete
  // (an incomplete one gets no vectors).
  Result<bool> follow_plan(const UserId& user_id);

  // Checks and imports a bank document (the `questions import` command).
  Result<repository::ImportCounts> import(const Json& document);

  // The served bank as last imported (re-read at most every 10 s); 409 before any import.
  Result<std::shared_ptr<const Bank>> bank();
  // The bank as `tx` sees it: this node's copy, read again in `tx` when an import (here or on
  // another node) replaced it, or when this node holds none yet. For work an import queues (the
  // vectors of the answers it cleared), which must not run on the bank before it.
  Result<std::shared_ptr<const Bank>> current_bank(pqxx::work& tx);

 private:
  struct State;
  // Runs `fn` in one transaction with the user's bank, answers (locked), plan and view of the bank.
  template <class T>
  Result<T> with_state(const UserId& user_id, const std::function<Result<T>(State&)>& fn);
  // After an import: deletes the answers that questions changed since `before` no longer accept;
  // returns how many.
  static int clear_unfit_answers(pqxx::work& tx, const Bank& before, const Bank& after);
  // This node's copy of the bank, made from `loaded` and kept for 10 s (mutex_ held); question-bank-missing when the
  // bank was never imported.
  Result<std::shared_ptr<const Bank>> keep(std::optional<Bank> loaded);
  // `cached`, or the bank read again in `tx` when an import has replaced it since (or when there is
  // no `cached` copy).
  Result<std::shared_ptr<const Bank>> as_imported(pqxx::work& tx, std::shared_ptr<const Bank> cached);

  db::Pool& db_;
  std::string bank_key_;
  std::mutex mutex_;
  std::shared_ptr<const Bank> cached_;
  std::chrono::steady_clock::time_point cached_at_;
};

// "mobile", "tablet" or "desktop" from a User-Agent, for the response document's metadata.
std::string device_type_of(std::string_view user_agent);

}  // namespace pm::questionnaire
