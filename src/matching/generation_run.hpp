#pragma once
// The bookkeeping of `perfectmatch matches generate --all` (src/app/matches.cpp): which users still
// need vectors or matches, and how far a named run got, so a new run with the same id resumes
// after the last user the previous one finished. Each call is its own transaction.

#include <string>
#include <vector>

#include "core/problem.hpp"
#include "db/pool.hpp"

namespace pm::matching {

class GenerationRun {
 public:
  GenerationRun(db::Pool& db, std::string run_id) : db_(db), run_id_(std::move(run_id)) {}

  // The users who completed the questionnaire of `bank_key` but have no vectors yet (or older ones).
  Result<std::vector<std::string>> users_needing_vectors(const std::string& bank_key);
  // How many users have vectors.
  Result<int> count_users_with_vectors();

  // The last user a previous run with this id finished ("" for a new run). BatchGeneration saves
  // the position, in each batch's transaction.
  Result<std::string> position();

 private:
  db::Pool& db_;
  std::string run_id_;
};

}  // namespace pm::matching
