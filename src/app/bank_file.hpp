#pragma once
// A question bank read from its JSON file, as the offline commands (score, simulate, evaluate) take it.

#include <memory>
#include <string>

#include "matching/scoring_bank.hpp"

namespace pm::app {

Result<std::shared_ptr<const matching::ScoringBank>> load_bank_file(const std::string& file);

}  // namespace pm::app
