#pragma once
// A text progress bar for long operator commands (`seed`, `matches generate --all`), on stderr so
// stdout stays clean for results. On a terminal it redraws one line at most ~10 times a second;
// otherwise (a log file, CI) it prints one line per 10% so logs stay short.
//
//   ProgressBar bar("seeding users", total);
//   bar.advance(n);  // any thread
//   bar.finish();    // the final line; also done by the destructor

#include <chrono>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>

namespace pm {

class ProgressBar {
 public:
  struct Options {
    std::ostream* out = nullptr;  // default: std::cerr
    std::optional<bool> tty;      // default: whether stderr is a terminal
  };

  ProgressBar(std::string label, long long total);
  ProgressBar(std::string label, long long total, Options options);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(long long n = 1);
  // Draws the final state and ends the line; later calls do nothing.
  void finish();

  long long count() const;

 private:
  using Steady = std::chrono::steady_clock;
  // The text after the label: "1234/3000  41%  512/s  ETA 3s".
  std::string status(Steady::time_point now) const;
  void draw(Steady::time_point now);  // with mutex_ held

  std::string label_;
  long long total_;
  std::ostream& out_;
  bool tty_;
  mutable std::mutex mutex_;
  long long count_ = 0;
  int printed_decile_ = 0;  // non-TTY: the last 10% step printed
  bool finished_ = false;
  Steady::time_point start_, last_draw_;
};

// "42s", "3m05s", "2h04m": short durations for humans.
std::string format_duration(std::chrono::seconds d);

}  // namespace pm
