// `perfectmatch seed`'s behaviour: the simulator's likes, passes and replies of the demo people
// written as matches and outcomes (docs/demo-data.md "Behaviour"), in transactions of a few hundred
// pairs.

#include <map>

#include "auth/bulk.hpp"
#include "auth/model.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "demo/seeder.hpp"
#include "demo/simulator.hpp"
#include "matching/bulk.hpp"
#include "outcomes/service.hpp"

namespace pm::demo {

namespace {

constexpr int kPairsPerTransaction = 500;
constexpr int kHistoryDays = 60;

std::string iso_of(std::int64_t unix_seconds) { return iso8601(Clock::time_point(std::chrono::seconds(unix_seconds))); }

// One shown pair's decisions, in time order.
struct PairHistory {
  std::size_t a = 0, b = 0;  // indexes into the people
  std::vector<matching::learning::Outcome> outcomes;
};

}  // namespace

Result<HistoryReport> Seeder::history(const SeedOptions& options) const {
  HistoryReport report;
  if (options.history_pairs_per_user <= 0 || options.users < 2) return report;
  const matching::ScoringBank bank(bank_);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  SimulationOptions sim{.seed = options.seed,
                        .users = options.users,
                        .pairs_per_user = options.history_pairs_per_user,
                        // ends 6 days ago: decisions (2 days) and replies (3) land before now
                        .start = now - static_cast<std::int64_t>(kHistoryDays + 6) * 86400,
                        .days = kHistoryDays};
  const auto today = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(Clock::now())};
  const auto people = simulate_people(bank, sim, today);
  const auto outcomes = simulate_outcomes(bank, people, sim);

  // sim{n} -> the seeded user's id, by their email's blind index.
  std::vector<std::string> indexes;
  for (const auto& p : people) indexes.push_back(deps_.email_index(auth::normalize_email(p.person.email)));
  const auto ids = PM_TRY(db::transact(deps_.db, [&](pqxx::work& tx) -> Result<std::map<std::string, std::string>> {
    return auth::bulk::accounts_by_email_index(tx, indexes);
  }));
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < people.size(); ++i) index_of[people[i].indexed.user_id] = i;
  auto user_id = [&](std::size_t i) -> std::string {
    auto it = ids.find(indexes[i]);
    return it == ids.end() ? "" : it->second;
  };

  std::map<std::pair<std::size_t, std::size_t>, PairHistory> pairs;
  for (const auto& o : outcomes) {
    const std::size_t a = index_of.at(o.a), b = index_of.at(o.b);
    auto& h = pairs[{std::min(a, b), std::max(a, b)}];
    h.a = std::min(a, b);
    h.b = std::max(a, b);
    h.outcomes.push_back(o);
  }
  std::vector<const PairHistory*> todo;
  for (const auto& [key, h] : pairs)
    if (!user_id(h.a).empty() && !user_id(h.b).empty()) todo.push_back(&h);

  for (std::size_t start = 0; start < todo.size(); start += kPairsPerTransaction) {
    auto written = PM_TRY(db::transact(deps_.db, [&](pqxx::work& tx) -> Result<HistoryReport> {
      HistoryReport batch;
      for (std::size_t k = start; k < std::min(todo.size(), start + kPairsPerTransaction); ++k) {
        const PairHistory& h = *todo[k];
        const std::string a = user_id(h.a), b = user_id(h.b);
        const std::string sim_a = people[h.a].indexed.user_id;
        bool liked_a = false, liked_b = false, passed = false;
        for (const auto& o : h.outcomes) {
          if (o.weight != 1) continue;  // a reply: after the match
          (o.a == sim_a ? liked_a : liked_b) |= o.liked;
          passed |= !o.liked;
        }
        const std::string status = passed ? "rejected" : liked_a && liked_b ? "active" : "expired";
        const double score = matching::score_pair(bank, people[h.a].indexed.profile, people[h.b].indexed.profile).score;
        auto match_id = matching::bulk::insert_history_match(tx, a, b, score, status, liked_a, liked_b,
                                                             iso_of(h.outcomes.front().at - 3600));
        if (!match_id) continue;
        ++batch.matches;
        // Both liked: their chat is open, as a mutual like opens it (without it the pair saw
        // each other as matched and had nowhere to write).
        if (status == "active") matching::bulk::open_conversation(tx, *match_id);
        // The seed's history is ranked by the questionnaire (no model existed when it "happened").
        auto record = [&](const std::string& who, const std::string& other, outcomes::Kind kind,
                          const std::string& at) {
          outcomes::record_at(tx,
                              {.decided_by = UserId(who),
                               .about = UserId(other),
                               .kind = kind,
                               .match_id = MatchId(*match_id),
                               .ranking = "questionnaire-v1"},
                              at);
        };
        bool a_liked = false, b_liked = false;
        for (const auto& o : h.outcomes) {
          const bool by_a = o.a == sim_a;
          const std::string& who = by_a ? a : b;
          const std::string& other = by_a ? b : a;
          const std::string at = iso_of(o.at);
          if (o.weight != 1) {
            record(who, other, outcomes::Kind::reply, at);
            ++batch.outcomes;
            continue;
          }
          record(who, other, o.liked ? outcomes::Kind::like : outcomes::Kind::pass, at);
          ++batch.outcomes;
          (by_a ? a_liked : b_liked) |= o.liked;
          if (o.liked && a_liked && b_liked) {  // the like that made it mutual
            record(who, other, outcomes::Kind::match, at);
            ++batch.outcomes;
          }
        }
      }
      return batch;
    }));
    report.matches += written.matches;
    report.outcomes += written.outcomes;
  }
  return report;
}

}  // namespace pm::demo
