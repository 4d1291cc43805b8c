// perfectmatch score: offline compatibility scoring for evaluation (docs/offline-scoring.md),
// with exactly the server's code. Reads a bank file and a JSON-lines users file; prints one JSON
// line per pair (every pair, each user's top N after the hard filters, or the pairs of --pairs).
// With --outcomes (or --model), the reciprocal model's predictions are added to each line.

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/bank_file.hpp"
#include "app/commands.hpp"
#include "matching/learning/questionnaire_feature.hpp"
#include "matching/offline.hpp"

namespace pm::app {

namespace {

int fail(const std::string& what) {
  std::cerr << "score: " << what << "\n";
  return 1;
}

// Calls `each(line_number, json)` for every non-blank line; the first error names file and line.
template <class Each>
Result<void> read_json_lines(const std::string& file, Each&& each) {
  std::ifstream in(file);
  if (!in) return std::unexpected(Problem("validation-failed", file + ": cannot be read"));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json = parse_json(line);
    Result<void> done = json ? each(*json) : Result<void>(std::unexpected(json.error()));
    if (!done)
      return std::unexpected(Problem("validation-failed", file + ":" + std::to_string(n) + ": " + done.error().detail));
  }
  return {};
}

}  // namespace

int score_users(const Config& config, const ScoreOptions& options) {
  auto loaded_bank = load_bank_file(options.bank_file);
  if (!loaded_bank) return fail(loaded_bank.error().detail);
  const auto bank = *loaded_bank;
  auto embedder = matching::make_embedding_provider(config);
  if (!embedder) return fail(embedder.error().detail);

  std::vector<matching::OfflineUser> users;
  auto read_users = read_json_lines(options.users_file, [&](const Json& json) -> Result<void> {
    users.push_back(PM_TRY(matching::parse_offline_user(*bank, json, **embedder)));
    return {};
  });
  if (!read_users) return fail(read_users.error().detail);
  std::map<std::string, const matching::OfflineUser*> by_id;
  for (const auto& u : users) by_id[u.indexed.user_id] = &u;

  // The reciprocal model: trained on --outcomes with the server's code, or loaded from --model.
  auto features = matching::learning::pair_features_from(*bank, [&](const std::string& id) {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &it->second->indexed;
  });
  std::optional<matching::learning::ReciprocalModel> model;
  if (!options.model_in.empty()) {
    std::ifstream in(options.model_in, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto loaded = matching::learning::ReciprocalModel::from_bytes(bytes.str());
    if (!loaded) return fail(options.model_in + ": " + loaded.error().detail);
    model = std::move(*loaded);
  } else if (!options.outcomes_file.empty()) {
    std::vector<matching::learning::Outcome> outcomes;
    auto read = read_json_lines(options.outcomes_file, [&](const Json& json) -> Result<void> {
      outcomes.push_back(PM_TRY(matching::parse_outcome_line(json)));
      return {};
    });
    if (!read) return fail(read.error().detail);
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    model = matching::learning::ReciprocalModel::train(outcomes, features, {}, now);
    std::cerr << "score: trained on " << outcomes.size() << " outcomes (" << model->info().users << " users) in "
              << model->info().seconds << " s\n";
    if (const auto& cold = model->cold_start()) {
      std::cerr << "score: cold-start score, logit = " << cold->bias() << " + weight x (feature - mean) / sd:\n";
      for (const auto& line : cold->describe()) std::cerr << "  " << line << "\n";
    }
  }
  if (model && !options.model_out.empty()) {
    std::ofstream out(options.model_out, std::ios::binary | std::ios::trunc);
    out << model->to_bytes();
    if (!out) return fail(options.model_out + ": cannot be written");
  }

  auto emit = [&](const matching::OfflineUser& a, const matching::OfflineUser& b) {
    Json line = matching::score_offline_pair(*bank, a, b);
    if (model) matching::add_prediction(line, *model, a.indexed.user_id, b.indexed.user_id, features);
    std::cout << line.dump() << "\n";
  };
  if (!options.pairs_file.empty()) {
    auto read = read_json_lines(options.pairs_file, [&](const Json& json) -> Result<void> {
      auto [a, b] = PM_TRY(matching::parse_pair_line(json));
      for (const auto* id : {&a, &b})
        if (!by_id.contains(*id))
          return std::unexpected(Problem("validation-failed", "user \"" + *id + "\" is not in --users"));
      emit(*by_id.at(a), *by_id.at(b));
      return {};
    });
    return read ? 0 : fail(read.error().detail);
  }
  if (options.top <= 0) {
    for (std::size_t i = 0; i < users.size(); ++i)
      for (std::size_t j = i + 1; j < users.size(); ++j) emit(users[i], users[j]);
    return 0;
  }
  // Top N per user: the server's candidate search (hard filters both ways, exact scoring).
  matching::CandidateIndex index(bank);
  for (const auto& u : users) index.upsert(u.indexed);
  for (const auto& u : users)
    for (const auto& c : index.best(u.indexed, {}, static_cast<std::size_t>(options.top)))
      emit(u, *by_id.at(c.user_id));
  return 0;
}

}  // namespace pm::app
