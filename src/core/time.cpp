#include "core/time.hpp"

#include <fmt/chrono.h>

namespace pm {

std::string iso8601(Clock::time_point t) {
  auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(ms);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", secs, (ms - secs).count());
}

}  // namespace pm
