#pragma once
// Structured logs: one JSON object per line on stderr.
// Never pass a password, token, email address or message body as a field.

#include <string_view>

#include <nlohmann/json.hpp>

namespace pm::log {

enum class Level { debug, info, warn, error };

// Sets the minimum level ("debug", "info", "warn", "error"); false for an unknown name.
bool set_level(std::string_view name);

// Whether lines of `level` are written: for callers that would build fields only to have them dropped.
bool enabled(Level level);

void write(Level level, std::string_view event, nlohmann::json fields = {});

inline void debug(std::string_view event, nlohmann::json fields = {}) { write(Level::debug, event, std::move(fields)); }
inline void info(std::string_view event, nlohmann::json fields = {}) { write(Level::info, event, std::move(fields)); }
inline void warn(std::string_view event, nlohmann::json fields = {}) { write(Level::warn, event, std::move(fields)); }
inline void error(std::string_view event, nlohmann::json fields = {}) { write(Level::error, event, std::move(fields)); }

}  // namespace pm::log
