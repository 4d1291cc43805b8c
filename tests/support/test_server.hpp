#pragma once
// The whole application served in-process on a free port, against a test database.

#include <functional>
#include <memory>

#include "app/app.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/stack.hpp"

namespace pm::test {

class TestServer {
 public:
  // `customize` may change the configuration or add test-only routes before the server starts.
  explicit TestServer(Config config, const std::function<void(app::App&)>& customize = {});
  ~TestServer();

  app::App& app() { return *app_; }
  http::Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const Headers& headers = {}) {
    return http(port(), method, target, body, headers);
  }
  // Imports data/questions/<file> and serves it as the questionnaire (fails the test on error).
  void use_question_bank(const std::string& file);
  // Stops gracefully and waits (the destructor does it too).
  void stop();

 private:
  std::unique_ptr<app::App> app_;
  std::unique_ptr<http::Server> server_;
  bool stopped_ = false;
};

}  // namespace pm::test
