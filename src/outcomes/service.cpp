#include "outcomes/service.hpp"

#include "core/actor.hpp"
#include "db/transaction.hpp"
#include "outcomes/repository.hpp"

namespace pm::outcomes {

void record(pqxx::work& tx, const Decision& decision) { repository::insert(tx, decision); }

void record_at(pqxx::work& tx, const Decision& decision, const std::string& decided_at) {
  repository::insert_at(tx, decision, decided_at);
}

void rewound(pqxx::work& tx, const UserId& user_id, const MatchId& match_id) {
  repository::mark_rewound(tx, user_id, match_id);
}

std::vector<OwnDecision> decisions_of(pqxx::work& tx, const UserId& user_id) {
  return repository::decided_by(tx, user_id);
}

Result<long long> read_for_training(db::Pool& db, const TrainingRead& read,
                                    const std::function<bool(const std::vector<Outcome>&)>& on_page) {
  actor::Scope system(actor::Scope::system());
  std::optional<std::pair<std::string, long long>> after;
  long long total = 0;
  const int size = std::max(1, read.page_size);
  for (;;) {
    auto rows = PM_TRY(db::read(db, [&](pqxx::work& tx) -> Result<std::vector<Outcome>> {
      return repository::page(tx, read.since, read.until, after, size);
    }));
    if (rows.empty()) return total;
    total += static_cast<long long>(rows.size());
    after = std::pair{rows.back().decided_at, rows.back().outcome_id};
    if (!on_page(rows) || static_cast<int>(rows.size()) < size) return total;
  }
}

}  // namespace pm::outcomes
