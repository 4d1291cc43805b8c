#pragma once
// Times in the API and the logs are UTC ISO-8601.

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace pm {

using Clock = std::chrono::system_clock;

// The calendar fields of `t` in UTC.
std::tm utc_tm(Clock::time_point t);

// "2026-11-25T17:03:04.123Z"
std::string iso8601(Clock::time_point t);

// A calendar date "YYYY-MM-DD" (a real date: 2001-02-29 is refused).
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
std::string format_date(std::chrono::year_month_day date);
// Whole years from `birth` to today (UTC).
int age_today(std::chrono::year_month_day birth);

}  // namespace pm
