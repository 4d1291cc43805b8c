#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "core/json.hpp"
#include "db/pool.hpp"
#include "questionnaire/service.hpp"

namespace pm::app {

int import_questions(Config config, const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = parse_json(text.str());
  if (!doc) {
    std::cerr << "questions import: " << file << ": " << doc.error().detail << "\n";
    return 1;
  }
  db::Pool pool(db::PoolOptions::from(config));
  questionnaire::Service service(pool, config.question_bank);
  auto counts = service.import(*doc);
  if (!counts) {
    std::cerr << "questions import: " << file << ": " << counts.error().detail << "\n";
    for (const auto& e : counts.error().extensions.value("errors", Json::array()))
      std::cerr << "  " << (e["question"].get<std::string>().empty() ? "(bank)" : e["question"].get<std::string>())
                << ": " << e["message"].get<std::string>() << "\n";
    return 1;
  }
  std::cout << "imported " << doc->value("bank", "") << " " << doc->value("version", "") << ": " << counts->blocks
            << " blocks, " << counts->questions << " questions"
            << (counts->retired ? ", " + std::to_string(counts->retired) + " retired" : "")
            << (counts->answers_cleared
                    ? ", " + std::to_string(counts->answers_cleared) + " answers cleared (their questions changed)"
                    : "")
            << "\n";
  return 0;
}

}  // namespace pm::app
