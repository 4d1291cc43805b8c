#include "support/test_server.hpp"

namespace pm::test {

TestServer::TestServer(Config config, const std::function<void(app::App&)>& customize)
    : app_(std::make_unique<app::App>(std::move(config))) {
  if (customize) customize(*app_);
  app_->start_background();
  server_ = std::make_unique<http::Server>(http::ServerOptions::from(app_->config), app_->router, app_->metrics);
  server_->start();
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stop();
  server_->wait();
  app_->close();
}

}  // namespace pm::test
