#include "demo/seeder.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "auth/bulk.hpp"
#include "auth/model.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "demo/answers.hpp"
#include "demo/person.hpp"
#include "demo/photo.hpp"
#include "profiles/bulk.hpp"
#include "profiles/model.hpp"
#include "questionnaire/bulk.hpp"
#include "questionnaire/response_document.hpp"
#include "questionnaire/view.hpp"
#include "subscriptions/comp.hpp"

namespace pm::demo {

namespace {

// A person made ready for the database: ids, ciphertexts and answers computed outside the transaction.
struct Prepared {
  Person person;
  std::string user_id, email_index, email_encrypted;
  profiles::ProfilePatch profile;
  profiles::PreferencesPatch preferences;
  std::vector<GeneratedAnswer> answers;
};

// The profile and preferences as a client would send them, through the same checks: the
// generator can only produce what the API accepts.
Result<void> check_and_parse(Prepared& p) {
  const Person& who = p.person;
  auto profile = PM_TRY(profiles::ProfilePatch::parse(
      {{"first_name", who.first_name},
       {"birth_date", format_date(who.birth_date)},
       {"gender", who.gender},
       {"seeking_gender", who.seeking_gender},
       {"bio", who.bio},
       {"profile_visibility", who.visibility},
       {"location", {{"label", who.location_label}, {"latitude", who.latitude}, {"longitude", who.longitude}}}}));
  auto prefs = PM_TRY(profiles::PreferencesPatch::parse(
      {{"min_age", who.min_age}, {"max_age", who.max_age}, {"max_distance", who.max_distance}}));
  p.profile = std::move(profile);
  // Name, birth date and genders go in with the user row; the rest is the profile update.
  p.profile.first_name.reset();
  p.profile.birth_date.reset();
  p.profile.gender.reset();
  p.profile.seeking_gender.reset();
  p.preferences = std::move(prefs);
  return {};
}

Result<Prepared> prepare(const SeedDeps& deps, const questionnaire::Bank& bank, std::uint64_t seed, int number,
                         std::chrono::year_month_day today) {
  Prepared p{.person = make_person(seed, number, today)};
  p.user_id = crypto::uuid_v4();
  const auto email = auth::normalize_email(p.person.email);
  p.email_index = deps.email_index(email);
  p.email_encrypted = deps.cipher.encrypt(email, auth::email_context(UserId(p.user_id)));
  if (auto ok = check_and_parse(p); !ok) {
    Problem problem = ok.error();
    problem.detail = fmt::format("demo user {} is invalid ({}): {}", number, problem.detail, problem.extensions.dump());
    return std::unexpected(problem);
  }
  // A clone answers from its original's stream with its original's traits: the very same answers.
  Rng stream = Rng::stream(seed, static_cast<std::uint64_t>(p.person.answers_of), "answers");
  p.answers = answer_bank(bank, p.person.personality, p.person.interests, p.person.premium, stream);
  return p;
}

// The questionnaire as completed: the response document built like the engine's; the answers are
// added to `answers`, which the batch writes with one COPY.
void write_questionnaire(pqxx::work& tx, const questionnaire::Bank& bank, const Prepared& p,
                         std::vector<questionnaire::NewAnswer>& answers) {
  const auto now = Clock::now();
  const auto answered_at = iso8601(now);
  std::map<std::string, questionnaire::StoredAnswer> stored;
  for (const auto& a : p.answers) {
    answers.push_back({p.user_id, a.question->id, a.value, a.acceptable, a.importance});
    stored[a.question->id] = {a.question->id, a.value, a.acceptable, a.importance, false, answered_at};
  }
  auto view = questionnaire::view_of(bank, stored, p.person.premium);
  Json started = {{"metadata", {{"startedAt", iso8601(now - std::chrono::seconds(p.person.completion_seconds))}}}};
  auto doc = questionnaire::response_document(bank, view, std::move(started), p.user_id, p.person.device_type);
  doc["completedAt"] = answered_at;
  doc["progress"] = 100;
  doc["metadata"]["completionTime"] = p.person.completion_seconds;
  questionnaire::bulk::save_response(tx, p.user_id, bank.key, doc);
}

Result<void> write_user(pqxx::work& tx, const SeedDeps& deps, const questionnaire::Bank& bank, const Prepared& p,
                        const std::string& password_hash, std::vector<questionnaire::NewAnswer>& answers) {
  const Person& who = p.person;
  auth::bulk::insert_account(tx,
                             {.user_id = UserId(p.user_id),
                              .email_encrypted = p.email_encrypted,
                              .email_index = p.email_index,
                              .password_hash = password_hash,
                              .auth_provider = "password",
                              .first_name = who.first_name,
                              .birth_date = format_date(who.birth_date),
                              .gender = who.gender,
                              .seeking_gender = who.seeking_gender,
                              .email_verified = true},
                             deps.account_created);
  // Also recomputes profile_completed, as for any profile change.
  profiles::bulk::update_profile(tx, UserId(p.user_id), p.profile);
  auto prefs = profiles::bulk::load_preferences(tx, UserId(p.user_id));  // the defaults insert_user wrote
  prefs->min_age = *p.preferences.min_age;
  prefs->max_age = *p.preferences.max_age;
  prefs->max_distance = *p.preferences.max_distance;
  profiles::bulk::save_preferences(tx, UserId(p.user_id), *prefs);
  // A year of premium, given without payment (as staff give one: payment method "comp").
  if (who.premium) PM_TRY(subscriptions::grant_comp(tx, UserId(p.user_id), "premium", 365));
  write_questionnaire(tx, bank, p, answers);
  return {};
}

Problem bank_missing(const std::string& key) {
  return Problem("question-bank-missing",
                 fmt::format("the question bank \"{}\" has not been imported; import it first with "
                             "`perfectmatch questions import FILE` (e.g. data/questions/perfect-match.json)",
                             key));
}

// What every batch shares.
struct Batch {
  const SeedDeps& deps;
  const questionnaire::Bank& bank;
  const SeedOptions& options;
  const std::string& password_hash;
  std::chrono::year_month_day today;
};

// Users first..last in one transaction, then their photos.
Result<SeedReport> run_batch(const Batch& b, int first, int last) {
  std::vector<Prepared> batch;
  for (int n = first; n <= last; ++n) {
    auto p = PM_TRY(prepare(b.deps, b.bank, b.options.seed, n, b.today));
    batch.push_back(std::move(p));
  }
  auto created = PM_TRY(db::transact(b.deps.db, [&](pqxx::work& tx) -> Result<std::vector<const Prepared*>> {
    std::vector<const Prepared*> made;
    std::vector<questionnaire::NewAnswer> answers;  // the batch's, ~90 a user: one COPY at the end
    for (const auto& p : batch) {
      if (auth::bulk::email_index_taken(tx, p.email_index)) continue;
      PM_TRY(write_user(tx, b.deps, b.bank, p, b.password_hash, answers));
      made.push_back(&p);
    }
    questionnaire::bulk::copy_answers(tx, answers);
    return made;
  }));
  SeedReport report{.existing = static_cast<int>(batch.size() - created.size())};
  for (const Prepared* p : created) {
    ++report.created;
    report.premium += p->person.premium;
    report.clones += p->person.is_clone();
  }
  if (!b.options.photos) return report;
  // Photos go the way of uploads (checked, re-encoded, stored, their own transactions), once the users exist.
  for (const Prepared* p : created) {
    Rng rng = Rng::stream(b.options.seed, static_cast<std::uint64_t>(p->person.number), "photos");
    for (int k = 0; k < p->person.photos; ++k) {
      auto jpeg = PM_TRY(placeholder_photo(rng));
      PM_TRY(b.deps.photos.upload(UserId(p->user_id), jpeg));
      ++report.photos;
    }
  }
  return report;
}

}  // namespace

Seeder::Seeder(const SeedDeps& deps, questionnaire::Bank bank, std::string password_hash)
    : deps_(deps), bank_(std::move(bank)), password_hash_(std::move(password_hash)) {}

Result<Seeder> Seeder::open(const SeedDeps& deps) {
  auto loaded = PM_TRY(db::transact(deps.db, [&](pqxx::work& tx) -> Result<std::optional<questionnaire::Bank>> {
    return questionnaire::bulk::load_bank(tx, deps.bank_key);
  }));
  if (!loaded) return std::unexpected(bank_missing(deps.bank_key));
  // Argon2id is slow on purpose (~50 ms): one hash serves every demo user.
  return Seeder(deps, std::move(*loaded), deps.hasher.hash(kDemoPassword));
}

Result<SeedReport> seed_users(const SeedDeps& deps, const SeedOptions& options, ProgressBar* progress) {
  auto seeder = PM_TRY(Seeder::open(deps));
  return seeder.run(options, progress);
}

Result<SeedReport> Seeder::run(const SeedOptions& options, ProgressBar* progress) const {
  const Batch common{.deps = deps_,
                     .bank = bank_,
                     .options = options,
                     .password_hash = password_hash_,
                     .today = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(Clock::now())}};
  const int batch_size = std::max(1, options.batch_size);
  const int batches = options.users <= 0 ? 0 : (options.users - 1) / batch_size + 1;

  // Batches are independent (every user is drawn from the seed alone), so several run at once:
  // the database, not this process, is the bottleneck, and it works on each connection in parallel.
  // A batch spends most of its time waiting for round trips (~10 statements a user besides the
  // answers' COPY), so more connections than cores: four per core (profiled: 2026-12-01,
  // docs/benchmarks.md).
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  SeedReport report;
  std::optional<Problem> problem;
  auto worker = [&] {
    while (!failed) {
      const int b = next++;
      if (b >= batches) return;
      const int first = 1 + b * batch_size, last = std::min(options.users, first + batch_size - 1);
      auto done = [&]() -> Result<SeedReport> {
        try {
          return run_batch(common, first, last);
        } catch (const std::exception& e) {
          // A database error other than a lost connection (e.g. another seed run racing this one).
          return std::unexpected(Problem("seed-failed", e.what()));
        }
      }();
      std::lock_guard lock(mutex);
      if (!done) {
        if (!problem) problem = done.error();
        failed = true;
        return;
      }
      report.created += done->created;
      report.existing += done->existing;
      report.premium += done->premium;
      report.clones += done->clones;
      report.photos += done->photos;
      if (progress) progress->advance(last - first + 1);
    }
  };
  const int wanted = options.workers > 0 ? options.workers
                                         : std::clamp(4 * static_cast<int>(std::thread::hardware_concurrency()), 4, 8);
  const int workers = std::clamp(wanted, 1, std::max(1, batches));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back(worker);
  }
  if (problem) return std::unexpected(*problem);
  return report;
}

}  // namespace pm::demo
