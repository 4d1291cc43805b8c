#include "app/bank_file.hpp"

#include <fstream>
#include <sstream>

#include "questionnaire/bank.hpp"

namespace pm::app {

Result<std::shared_ptr<const matching::ScoringBank>> load_bank_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::unexpected(Problem("validation-failed", file + ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  auto document = parse_json(text.str());
  if (!document) return std::unexpected(Problem("validation-failed", file + ": " + document.error().detail));
  auto bank = questionnaire::parse_bank(*document);
  if (!bank) return std::unexpected(Problem("validation-failed", file + ": " + bank.error().detail));
  return std::make_shared<const matching::ScoringBank>(std::move(*bank));
}

}  // namespace pm::app
