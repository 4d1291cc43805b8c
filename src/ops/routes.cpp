#include "ops/routes.hpp"

#include <fstream>
#include <sstream>

namespace pm::ops {

using http::Method;
using http::Status;

void add_metrics_routes(http::Router& router, const http::Metrics& metrics) {
  // Liveness: the process is up and its threads answer. Stores are not consulted on purpose.
  router.add_never_waiting(Method::get, "/healthz",
                           [](http::Request&) { return http::json_text_response(Status::ok, R"({"status":"ok"})"); });
  router.add(Method::get, "/metrics", [&metrics](http::Request&) {
    return http::text_response(Status::ok, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

void add_routes(http::Router& router, HealthService& health, const http::Metrics& metrics, std::string docs_dir) {
  add_metrics_routes(router, metrics);

  router.add(Method::get, "/readyz", [&health](http::Request& req) {
    auto r = health.readiness();
    if (r.ready) return http::json_response(Status::ok, {{"status", "ready"}, {"checks", r.checks}});
    std::string failed;
    for (auto& [name, state] : r.checks.items())
      if (state != "ok") failed += (failed.empty() ? "" : ", ") + name + ": " + state.get<std::string>();
    Problem p("not-ready", failed);
    p.extensions["checks"] = r.checks;
    return http::problem_response(p, req.request_id);
  });

  router.add(Method::get, "/api/v1/openapi.yaml", [path = docs_dir + "/openapi.yaml"](http::Request& req) {
    std::ifstream in(path);
    if (!in)
      return http::problem_response(Problem("not-found", "the API description is not installed"), req.request_id);
    std::ostringstream text;
    text << in.rdbuf();
    return http::text_response(Status::ok, text.str(), "application/yaml; charset=utf-8");
  });
}

}  // namespace pm::ops
