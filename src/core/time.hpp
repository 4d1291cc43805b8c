#pragma once
// Times in the API and the logs are UTC ISO-8601.

#include <chrono>
#include <string>

namespace pm {

using Clock = std::chrono::system_clock;

// "2026-11-25T17:03:04.123Z"
std::string iso8601(Clock::time_point t);

}  // namespace pm
