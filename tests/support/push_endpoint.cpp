#include "support/push_endpoint.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "support/http_client.hpp"

namespace pm::test {

namespace fs = std::filesystem;

PushEndpoint::PushEndpoint()
    : port_(free_port()), log_(fs::temp_directory_path() / fmt::format("pm-push-{}.log", crypto::random_hex(6))) {
  const fs::path dir = fs::path(PM_SOURCE_DIR) / "tests/push";
  if (!fs::exists(dir / "node_modules/http_ece") || !fs::exists(dir / "node_modules/jose"))
    throw std::runtime_error(
        "http_ece and jose are not installed: run npm ci --prefix tests/push, which ./pm test does");
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/env", "node", (dir / "endpoint.mjs").string(), std::to_string(port_)},
      std::map<std::string, std::string>{}, log_.string());
  if (!wait_for_port(port_, 90000))
    throw std::runtime_error(fmt::format("the push endpoint did not start listening on port {}:\n{}", port_, log()));
}

PushEndpoint::~PushEndpoint() {
  process_.reset();  // SIGKILL and reap
  std::error_code ec;
  fs::remove(log_, ec);
}

nlohmann::json PushEndpoint::post(const std::string& path, const nlohmann::json& body) {
  auto res = http(port_, "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  if (res.status != 200) throw std::runtime_error(fmt::format("push endpoint {}: {}\n{}", path, res.body, log()));
  return res.json();
}

nlohmann::json PushEndpoint::subscribe() { return post("/test/subscriptions", nlohmann::json::object()); }

void PushEndpoint::answer(const std::string& id, const std::vector<int>& statuses) {
  post("/test/answers", {{"id", id}, {"statuses", statuses}});
}

void PushEndpoint::hold(const std::string& id) { post("/test/hold", {{"id", id}}); }

void PushEndpoint::release() { post("/test/release", nlohmann::json::object()); }

std::vector<nlohmann::json> PushEndpoint::received() {
  auto res = http(port_, "GET", "/test/received");
  if (res.status != 200) throw std::runtime_error("push endpoint: " + res.body);
  return res.json()["received"].get<std::vector<nlohmann::json>>();
}

int PushEndpoint::held() {
  auto res = http(port_, "GET", "/test/received");
  return res.json()["held"].get<int>();
}

std::string PushEndpoint::log() const {
  std::ifstream in(log_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace pm::test
