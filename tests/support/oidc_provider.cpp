#include "support/oidc_provider.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "support/http_client.hpp"

namespace pm::test {

namespace fs = std::filesystem;

OidcProvider::OidcProvider(const nlohmann::json& clients)
    : log_(fs::temp_directory_path() / fmt::format("pm-oidc-{}.log", crypto::random_hex(6))) {
  auto script = fs::path(PM_SOURCE_DIR) / "tests/oidc/provider.mjs";
  if (!fs::exists(fs::path(PM_SOURCE_DIR) / "tests/oidc/node_modules/oidc-provider"))
    throw std::runtime_error("oidc-provider is not installed: run npm ci --prefix tests/oidc, which ./pm test does");
  // It starts in about half a second; once in CI (2 cores, every suite at once) a start stopped
  // between loading the package and listening for 90 s. A start that has not listened within 30 s
  // is given up and tried again on another port; the log keeps every attempt's steps.
  constexpr int kAttempts = 3;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    port_ = free_port();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/env", "node", script.string(), std::to_string(port_), clients.dump()},
        std::map<std::string, std::string>{}, log_.string());
    if (wait_for_port(port_, 30000)) return;
    process_.reset();  // SIGKILL and reap
    std::ofstream(log_, std::ios::app) << fmt::format("(attempt {}: not listening on port {} after 30 s)\n", attempt,
                                                      port_);
  }
  throw std::runtime_error(fmt::format("oidc-provider did not start listening in {} attempts:\n{}", kAttempts, log()));
}

OidcProvider::~OidcProvider() {
  process_.reset();  // SIGKILL and reap
  std::error_code ec;
  fs::remove(log_, ec);
}

std::string OidcProvider::issuer() const { return fmt::format("http://127.0.0.1:{}", port_); }

OidcProvider::Return OidcProvider::sign_in(const std::string& start_url, const std::string& login,
                                           const Options& options) {
  std::vector<std::pair<std::string, std::string>> query{{"start", start_url}, {"login", login}};
  if (options.deny) query.emplace_back("deny", "1");
  if (options.nonce) query.emplace_back("nonce", *options.nonce);
  auto res = http(port_, "GET", "/test/drive?" + http_client::form_encode(query));
  if (res.status != 200) throw std::runtime_error(fmt::format("driving the provider failed: {}\n{}", res.body, log()));
  auto answer = res.json();
  // The provider redirects to http://127.0.0.1:<our port>/...: keep the target for our server.
  auto url = answer["callback"].get<std::string>();
  auto path = url.find('/', url.find("://") + 3);
  return {.callback = url.substr(path),
          .flow_cookie = answer["flow_cookie"].get<std::string>(),
          .form = answer.value("form", nlohmann::json::object())};
}

std::string OidcProvider::rotate_keys() {
  auto res = http(port_, "POST", "/test/rotate-keys");
  if (res.status != 200) throw std::runtime_error("rotating the provider's keys failed: " + res.body);
  return res.json()["kid"].get<std::string>();
}

std::string OidcProvider::log() const {
  std::ifstream in(log_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace pm::test
