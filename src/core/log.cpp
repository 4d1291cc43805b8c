#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/time.hpp"

namespace pm::log {

namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  // spdlog gives thread-safe, line-atomic output; the JSON itself is built here.
  auto logger = spdlog::stderr_logger_mt("pm");
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::debug);
  return logger;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

}  // namespace

bool set_level(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      logger().set_level(to_spdlog(static_cast<Level>(i)));
      return true;
    }
  }
  return false;
}

bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

void write(Level level, std::string_view event, nlohmann::json fields) {
  auto& out = logger();
  if (!out.should_log(to_spdlog(level))) return;
  nlohmann::json line = {{"ts", iso8601(Clock::now())}, {"level", kNames[static_cast<int>(level)]}, {"event", event}};
  if (fields.is_object()) line.update(fields);
  // Replace invalid UTF-8 rather than throw: a log line must never take the process down.
  out.log(to_spdlog(level), line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace pm::log
