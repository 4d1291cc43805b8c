#include <gtest/gtest.h>

#include "http/metrics.hpp"

using namespace std::chrono_literals;

TEST(Metrics, CountsByRouteAndStatusWithCumulativeHistogram) {
  pm::http::Metrics m;
  m.observe("GET", "/api/v1/users/{user_id}", 200, 3ms);
  m.observe("GET", "/api/v1/users/{user_id}", 200, 30ms);
  m.observe("GET", "/api/v1/users/{user_id}", 404, 1ms);
  m.add_source([](std::string& out) { out += "pm_custom 7\n"; });
  auto text = m.render();
  EXPECT_NE(text.find(R"(pm_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="200"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(pm_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="404"} 1)"),
            std::string::npos);
  // 1 ms and 3 ms are under 5 ms; 30 ms is not; all three are under 50 ms.
  EXPECT_NE(text.find(R"(pm_http_request_duration_seconds_bucket{route="/api/v1/users/{user_id}",le="0.005"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pm_http_request_duration_seconds_bucket{route="/api/v1/users/{user_id}",le="0.05"} 3)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pm_http_request_duration_seconds_count{route="/api/v1/users/{user_id}"} 3)"),
            std::string::npos);
  EXPECT_NE(text.find("pm_custom 7\n"), std::string::npos);
}
