#pragma once
// GET /healthz, /readyz, /metrics and /api/v1/openapi.yaml.

#include <string>

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "ops/service.hpp"

namespace pm::ops {

void add_routes(http::Router& router, HealthService& health, const http::Metrics& metrics, std::string docs_dir);

// GET /metrics alone (and /healthz): the worker's listener (PM_WORKER_METRICS_PORT).
void add_metrics_routes(http::Router& router, const http::Metrics& metrics);

}  // namespace pm::ops
