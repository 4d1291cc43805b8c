#pragma once
// GET /healthz, /readyz, /metrics and /api/v1/openapi.yaml.

#include <string>

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "ops/service.hpp"

namespace pm::ops {

void add_routes(http::Router& router, HealthService& health, const http::Metrics& metrics, std::string docs_dir);

}  // namespace pm::ops
