#pragma once
// The subcommands of the perfectmatch binary; main.cpp parses the command line and calls these.

#include <string>

#include "core/config.hpp"

namespace pm::app {

int serve(Config config);

enum class MigrateAction { up, down, status };
int migrate(const Config& config, MigrateAction action, bool all);

}  // namespace pm::app
