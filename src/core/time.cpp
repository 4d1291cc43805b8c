#include "core/time.hpp"

#include <cctype>

#include <fmt/chrono.h>

namespace pm {

std::tm utc_tm(Clock::time_point t) {
  // fmt 9 formats a time_point in local time; gmtime_r is UTC whatever TZ says.
  std::time_t seconds = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

std::string iso8601(Clock::time_point t) {
  auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(ms);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc_tm(secs), (ms - secs).count());
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                   std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_date(std::chrono::year_month_day date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

int age_today(std::chrono::year_month_day birth) {
  std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(Clock::now())};
  int age = static_cast<int>(today.year()) - static_cast<int>(birth.year());
  if (std::chrono::month_day(today.month(), today.day()) < std::chrono::month_day(birth.month(), birth.day())) --age;
  return age;
}

}  // namespace pm
