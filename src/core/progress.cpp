#include "core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

namespace pm {

namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

}  // namespace

std::string format_duration(std::chrono::seconds d) {
  long long s = std::max<long long>(0, d.count());
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

ProgressBar::ProgressBar(std::string label, long long total) : ProgressBar(std::move(label), total, Options{}) {}

ProgressBar::ProgressBar(std::string label, long long total, Options options)
    : label_(std::move(label)),
      total_(std::max<long long>(0, total)),
      out_(options.out ? *options.out : std::cerr),
      tty_(options.tty.value_or(options.out == nullptr && ::isatty(STDERR_FILENO) == 1)),
      start_(Steady::now()),
      last_draw_(start_ - kRedrawEvery) {
  std::lock_guard lock(mutex_);
  if (tty_) draw(start_);
}

ProgressBar::~ProgressBar() { finish(); }

long long ProgressBar::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::string ProgressBar::status(Steady::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - start_).count();
  int percent = total_ ? static_cast<int>(100 * count_ / total_) : 100;
  double rate = elapsed > 0 ? count_ / elapsed : 0;
  std::string text = fmt::format("{}/{}  {:3}%", count_, total_, percent);
  if (rate > 0) text += fmt::format("  {:.0f}/s", rate);
  if (finished_) return text + "  in " + format_duration(std::chrono::seconds(static_cast<long long>(elapsed + 0.5)));
  if (rate > 0 && count_ < total_)
    text += "  ETA " + format_duration(std::chrono::seconds(static_cast<long long>((total_ - count_) / rate + 0.5)));
  return text;
}

void ProgressBar::draw(Steady::time_point now) {
  last_draw_ = now;
  if (tty_) {
    int filled = total_ ? static_cast<int>(kBarWidth * count_ / total_) : kBarWidth;
    // \r and "erase to end of line": the line is rewritten in place, shorter or longer.
    out_ << "\r\033[K" << label_ << " [" << std::string(filled, '#') << std::string(kBarWidth - filled, '.') << "] "
         << status(now) << (finished_ ? "\n" : "") << std::flush;
  } else {
    out_ << label_ << ": " << status(now) << "\n" << std::flush;
  }
}

void ProgressBar::advance(long long n) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  count_ = std::min(total_, count_ + std::max<long long>(0, n));
  auto now = Steady::now();
  if (tty_) {
    if (now - last_draw_ >= kRedrawEvery) draw(now);
    return;
  }
  int decile = total_ ? static_cast<int>(10 * count_ / total_) : 10;
  // The final 100% line is finish()'s, which adds the total time.
  if (decile > printed_decile_ && decile < 10) {
    printed_decile_ = decile;
    draw(now);
  }
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(Steady::now());
}

}  // namespace pm
