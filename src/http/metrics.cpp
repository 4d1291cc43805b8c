#include "http/metrics.hpp"

#include <fmt/format.h>

namespace pm::http {

namespace {
// Label values are route patterns and methods we define, but escape anyway.
std::string escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

void Metrics::observe(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds latency) {
  double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  auto counted = requests_.find(std::tuple{method, route, status});
  if (counted == requests_.end())
    counted = requests_.emplace(std::tuple{std::string(method), std::string(route), status}, 0).first;
  ++counted->second;
  auto timed = latency_.find(route);
  if (timed == latency_.end()) timed = latency_.emplace(std::string(route), Histogram{}).first;
  auto& h = timed->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_source(std::function<void(std::string&)> source) {
  std::lock_guard lock(mutex_);
  sources_.push_back(std::move(source));
}

std::string Metrics::render() const {
  std::string out;
  std::vector<std::function<void(std::string&)>> sources;
  {
    std::lock_guard lock(mutex_);
    out += "# HELP pm_http_requests_total HTTP requests served, by method, route and status.\n";
    out += "# TYPE pm_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [method, route, status] = key;
      out += fmt::format("pm_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", escape(method),
                         escape(route), status, n);
    }
    out += "# HELP pm_http_request_duration_seconds Time from a complete request to its response, by route.\n";
    out += "# TYPE pm_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      auto r = escape(route);
      for (std::size_t i = 0; i < kBuckets.size(); ++i)
        out += fmt::format("pm_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r, kBuckets[i],
                           h.buckets[i]);
      out += fmt::format("pm_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", r, h.count);
      out += fmt::format("pm_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", r, h.sum);
      out += fmt::format("pm_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", r, h.count);
    }
    sources = sources_;
  }
  out += "# HELP pm_http_requests_in_flight Requests being handled now.\n# TYPE pm_http_requests_in_flight gauge\n";
  out += fmt::format("pm_http_requests_in_flight {}\n", in_flight_.load());
  out +=
      "# HELP pm_http_connections_refused_total Connections closed at once: their client held "
      "PM_MAX_CONNECTIONS_PER_IP.\n"
      "# TYPE pm_http_connections_refused_total counter\n";
  out += fmt::format("pm_http_connections_refused_total {}\n", connections_refused_.load());
  for (const auto& source : sources) source(out);
  return out;
}

}  // namespace pm::http
