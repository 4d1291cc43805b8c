#pragma once
// The PM_* settings as written, before any is parsed: PM_CONFIG_FILE's KEY=VALUE lines (when it is
// set), each overridden by the environment. Config::load reads its settings through this, and so
// does every part with settings of its own outside Config (PM_SMTP_*, PM_DKIM_*: mail/smtp_sender),
// so that a setting may live in the file or the environment alike, the environment winning.
// (A header of its own so that such a reader need not include config.hpp, which most files do.)

#include <map>
#include <string>

#include "core/problem.hpp"

namespace pm {

using ConfigValues = std::map<std::string, std::string>;

// An unreadable or malformed PM_CONFIG_FILE is an error naming it (and the line).
Result<ConfigValues> config_values();

// The value of `name`, or `fallback` when it is absent or empty.
std::string config_value(const ConfigValues& values, const std::string& name, std::string fallback = {});

}  // namespace pm
