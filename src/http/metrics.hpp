#pragma once
// Prometheus metrics for /metrics: requests by route and status, a latency histogram per route,
// requests in flight, and gauges that other modules contribute (connection pools).

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace pm::http {

class Metrics {
 public:
  // Bucket upper bounds in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void observe(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds latency);
  void request_started() { ++in_flight_; }
  void request_finished() { --in_flight_; }
  // A connection closed at once: its client already held PM_MAX_CONNECTIONS_PER_IP.
  void connection_refused() { ++connections_refused_; }

  // A source appends its own lines (with # HELP / # TYPE) to the exposition.
  void add_source(std::function<void(std::string&)> source);

  std::string render() const;

 private:
  struct Histogram {
    std::array<unsigned long long, kBuckets.size()> buckets{};
    unsigned long long count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  // (std::less<>: a request finds its entry without building strings for the key.)
  std::map<std::tuple<std::string, std::string, int>, unsigned long long, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::vector<std::function<void(std::string&)>> sources_;
  std::atomic<long> in_flight_{0};
  std::atomic<unsigned long long> connections_refused_{0};
};

}  // namespace pm::http
