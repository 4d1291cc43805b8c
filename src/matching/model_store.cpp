#include "matching/model_store.hpp"

#include <fmt/format.h>

#include "core/actor.hpp"
#include "core/background.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "matching/repository.hpp"

namespace pm::matching {

std::string ranking_name(long long version) { return fmt::format("reciprocal-v{}", version); }

long long ModelStore::version() const {
  auto m = current();
  return m ? m->version : 0;
}

Result<bool> ModelStore::poll() {
  actor::Scope system(actor::Scope::system());  // matching_models is the system's (migrations/0026)
  MutexLock lock(poll_mutex_);
  const auto versions = PM_TRY(db::transact(
      db_, [](pqxx::work& tx) -> Result<std::vector<long long>> { return repository::model_versions(tx); }));
  const long long held = version();
  if (versions.empty() && held) {  // every version deleted: back to the questionnaire ranking
    current_.store(nullptr);
    log::info("matching_model_unloaded", {{"previous", held}});
    return true;
  }
  for (long long v : versions) {  // newest first
    if (v == held) return false;
    if (refused_.contains(v)) continue;
    auto row = PM_TRY(db::transact(db_, [v](pqxx::work& tx) -> Result<std::optional<repository::StoredModel>> {
      return repository::model(tx, v);
    }));
    if (!row) continue;  // deleted meanwhile
    auto model = learning::ReciprocalModel::from_bytes(row->bytes);
    if (!model) {
      refused_.insert(v);
      log::warn("matching_model_refused", {{"version", v}, {"error", model.error().detail}, {"kept", held}});
      continue;
    }
    current_.store(std::make_shared<const LoadedModel>(LoadedModel{.version = v, .model = std::move(*model)}));
    log::info("matching_model_loaded", {{"version", v}, {"previous", held}});
    return true;
  }
  return false;  // nothing stored (or nothing that loads): keep what is held
}

Result<long long> ModelStore::store(const learning::ReciprocalModel& model, long long outcomes, const Json& metrics,
                                    int keep) {
  actor::Scope system(actor::Scope::system());
  const std::string bytes = model.to_bytes();
  auto stored = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::pair<long long, int>> {
    const long long v =
        repository::insert_model(tx, outcomes, learning::ReciprocalModel::kFormatVersion, bytes, metrics);
    return std::pair{v, repository::prune_models(tx, keep)};
  }));
  // This process ranks with it at once (from the bytes, as every other node will).
  auto loaded = PM_TRY(learning::ReciprocalModel::from_bytes(bytes));
  current_.store(std::make_shared<const LoadedModel>(LoadedModel{.version = stored.first, .model = std::move(loaded)}));
  log::info("matching_model_stored",
            {{"version", stored.first}, {"outcomes", outcomes}, {"bytes", bytes.size()}, {"pruned", stored.second}});
  return stored.first;
}

Result<int> ModelStore::delete_older_than(int days) {
  actor::Scope system(actor::Scope::system());
  auto deleted = PM_TRY(
      db::transact(db_, [&](pqxx::work& tx) -> Result<int> { return repository::delete_models_older_than(tx, days); }));
  if (deleted) log::info("matching_models_aged_out", {{"deleted", deleted}, {"days", days}});
  PM_TRY(poll());  // this process lets go of it at once
  return deleted;
}

void ModelStore::start(std::chrono::milliseconds every) {
  if (auto changed = poll(); !changed) log::warn("matching_model_poll_failed", {{"error", changed.error().type}});
  thread_ = std::thread([this, every] { run(every); });
}

void ModelStore::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ModelStore::run(std::chrono::milliseconds every) {
  std::unique_lock lock(thread_mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, every, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // A failed look (database away) is tried again at the next one; the model held stays.
    survive_round("matching_model_poll", [&] {
      if (auto changed = poll(); !changed) log::warn("matching_model_poll_failed", {{"error", changed.error().type}});
    });
    lock.lock();
  }
}

}  // namespace pm::matching
