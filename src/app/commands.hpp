#pragma once
// The subcommands of the perfectmatch binary; main.cpp parses the command line and calls these.

#include <string>

#include "core/config.hpp"

namespace pm::app {

int serve(Config config);

enum class MigrateAction { up, down, status };
int migrate(const Config& config, MigrateAction action, bool all);

// Checks and imports a question bank file (all problems reported, nothing imported if any).
int import_questions(Config config, const std::string& file);

// Re-encrypts stored PII under PM_PII_ACTIVE_KEY (after adding a key to PM_PII_KEYS).
int rotate_keys(Config config);

}  // namespace pm::app
