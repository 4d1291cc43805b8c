// perfectmatch score: offline compatibility scoring for evaluation (docs/offline-scoring.md),
// with exactly the server's code. Reads a bank file and a JSON-lines users file; prints one JSON
// line per pair (every pair, or each user's top N after the hard filters).

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "matching/offline.hpp"
#include "questionnaire/bank.hpp"

namespace pm::app {

int score_users(const Config& config, const std::string& bank_file, const std::string& users_file, int top) {
  auto fail = [](const std::string& what) {
    std::cerr << "score: " << what << "\n";
    return 1;
  };
  std::ifstream bank_in(bank_file);
  std::stringstream bank_text;
  bank_text << bank_in.rdbuf();
  auto bank_doc = parse_json(bank_text.str());
  if (!bank_doc) return fail(bank_file + ": " + bank_doc.error().detail);
  auto parsed = questionnaire::parse_bank(*bank_doc);
  if (!parsed) return fail(bank_file + ": " + parsed.error().detail);
  auto bank = std::make_shared<const matching::ScoringBank>(std::move(*parsed));
  auto embedder = matching::make_embedding_provider(config);
  if (!embedder) return fail(embedder.error().detail);

  std::vector<matching::OfflineUser> users;
  std::ifstream in(users_file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json = parse_json(line);
    if (!json) return fail(users_file + ":" + std::to_string(n) + ": " + json.error().detail);
    auto user = matching::parse_offline_user(*bank, *json, **embedder);
    if (!user) return fail(users_file + ":" + std::to_string(n) + ": " + user.error().detail);
    users.push_back(std::move(*user));
  }

  if (top <= 0) {
    for (std::size_t i = 0; i < users.size(); ++i)
      for (std::size_t j = i + 1; j < users.size(); ++j)
        std::cout << matching::score_offline_pair(*bank, users[i], users[j]).dump() << "\n";
    return 0;
  }
  // Top N per user: the server's candidate search (hard filters both ways, exact scoring).
  matching::CandidateIndex index(bank);
  std::map<std::string, const matching::OfflineUser*> by_id;
  for (const auto& u : users) {
    index.upsert(u.indexed);
    by_id[u.indexed.user_id] = &u;
  }
  for (const auto& u : users)
    for (const auto& c : index.best(u.indexed, {}, static_cast<std::size_t>(top), matching::SearchPath::exact))
      std::cout << matching::score_offline_pair(*bank, u, *by_id.at(c.user_id)).dump() << "\n";
  return 0;
}

}  // namespace pm::app
