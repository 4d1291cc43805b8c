#include "matching/learner.hpp"

#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "core/actor.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "matching/learning/evaluation.hpp"
#include "matching/learning/questionnaire_feature.hpp"
#include "matching/repository.hpp"
#include "outcomes/service.hpp"

namespace pm::matching {

namespace {

// "YYYY-MM-DDTHH:MM:SS..." (UTC) as unix seconds; 0 when it is not one.
std::int64_t unix_seconds(const std::string& iso) {
  if (iso.size() < 19) return 0;
  auto date = parse_date(std::string_view(iso).substr(0, 10));
  int h = 0, m = 0, s = 0;
  std::from_chars(iso.data() + 11, iso.data() + 13, h);
  std::from_chars(iso.data() + 14, iso.data() + 16, m);
  std::from_chars(iso.data() + 17, iso.data() + 19, s);
  if (!date) return 0;
  return std::chrono::sys_days(*date).time_since_epoch() / std::chrono::seconds(1) + h * 3600 + m * 60 + s;
}

}  // namespace

Json LearnReport::to_json() const {
  Json out = {{"outcomes", outcomes}, {"seconds", seconds}, {"metrics", metrics}};
  out["cold_start"] = cold_start ? cold_start->to_json() : Json(nullptr);
  out["version"] = version ? Json(*version) : Json(nullptr);
  return out;
}

std::optional<learning::Outcome> training_example(const outcomes::Outcome& o) {
  learning::Outcome e{.a = o.decided_by.str(), .b = o.about.str(), .at = unix_seconds(o.decided_at)};
  switch (o.kind) {
    case outcomes::Kind::like:
      e.liked = true;
      return e;
    case outcomes::Kind::reply:
      e.liked = true;
      e.weight = learning::kReplyWeight;
      return e;
    case outcomes::Kind::pass:
      if (o.rewound) return std::nullopt;  // taken back
      return e;
    case outcomes::Kind::unmatch:
      return e;
    case outcomes::Kind::match:
    case outcomes::Kind::first_message:
      return std::nullopt;  // repeats a like already counted
  }
  return std::nullopt;
}

Result<LearnReport> Learner::learn() {
  actor::Scope system(actor::Scope::system());  // reads everyone's outcomes and answers
  const auto started = std::chrono::steady_clock::now();
  LearnReport report;
  std::vector<learning::Outcome> examples;
  // Every outcome committed so far (one committing meanwhile is in the next training).
  // A banned account is a scam or a fake (docs/admin.md): its likes and passes would go on shaping
  // who seems appealing, and its id would stay in every version.
  const auto banned = PM_TRY(db::transact(
      d_.db, [](pqxx::work& tx) -> Result<std::unordered_set<std::string>> { return repository::banned_users(tx); }));
  PM_TRY(outcomes::read_for_training(d_.db, {}, [&](const std::vector<outcomes::Outcome>& page) {
    for (const auto& o : page)
      if (!banned.contains(o.decided_by.str()) && !banned.contains(o.about.str()))
        if (auto e = training_example(o)) examples.push_back(std::move(*e));
    return true;
  }));
  report.outcomes = static_cast<long long>(examples.size());
  if (report.outcomes < d_.config.learn_min_outcomes) {
    log::info("matching_model_skipped", {{"outcomes", report.outcomes}, {"needed", d_.config.learn_min_outcomes}});
    return report;
  }

  // The pair features from the index's users, copied once (the index may change meanwhile).
  PM_TRY(d_.engine.refresh(true));
  auto idx = PM_TRY(d_.engine.index());
  std::unordered_map<std::string, IndexedUser> users;
  for (const auto& e : examples)
    for (const auto* id : {&e.a, &e.b})
      if (!users.contains(*id))
        if (auto u = idx->find(*id)) users.emplace(*id, std::move(*u));
  auto features = learning::pair_features_from(idx->bank(), [&users](const std::string& id) -> const IndexedUser* {
    auto it = users.find(id);
    return it == users.end() ? nullptr : &it->second;
  });

  const learning::TrainingParams params;
  report.metrics =
      learning::evaluate(examples, features, {.holdout = 0.2, .split = learning::Split::time, .params = params})
          .to_json();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  auto model = learning::ReciprocalModel::train(examples, features, params, now);
  // The cold-start weights beside the evaluation: readable in matching_models.metrics.
  report.cold_start = model.cold_start();
  if (report.cold_start) report.metrics["cold_start"] = report.cold_start->to_json();
  report.version = PM_TRY(d_.models.store(model, report.outcomes, report.metrics, d_.config.models_kept));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::info("matching_model_trained",
            {{"version", *report.version}, {"outcomes", report.outcomes}, {"seconds", report.seconds}});
  return report;
}

Result<std::optional<LearnReport>> Learner::run_scheduled() {
  actor::Scope system(actor::Scope::system());  // the job queue is the system's
  if (d_.config.learn_interval_hours <= 0) return std::nullopt;
  // Queued when none is pending or running and none finished within the interval (several workers
  // queue it once), then claimed by one worker.
  auto job = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<jobs::Claimed>> {
    jobs::enqueue_unless_recent(tx, "train_model", d_.config.learn_interval_hours);
    auto claimed = jobs::claim(tx, "train_model", 1);
    if (claimed.empty()) return std::nullopt;
    return std::move(claimed.front());
  }));
  if (!job) return std::nullopt;
  auto learned = learn();
  std::optional<std::string> error;
  if (!learned) error = learned.error().type + ": " + learned.error().detail;
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
    jobs::finish(tx, *job, error);
    return true;
  }));
  if (!learned) return std::unexpected(learned.error());
  return std::optional<LearnReport>(std::move(*learned));
}

}  // namespace pm::matching
