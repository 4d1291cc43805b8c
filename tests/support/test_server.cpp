#include "support/test_server.hpp"

#include <csignal>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace pm::test {

namespace {
// A store stopped under a test (Redis killed) makes the next write to its socket raise SIGPIPE,
// which ends the whole test process: perfectmatch's main() ignores it, so the tests' process does too.
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();
}  // namespace

TestServer::TestServer(Config config, const std::function<void(app::App&)>& customize)
    : app_(std::make_unique<app::App>(std::move(config))) {
  if (customize) customize(*app_);
  app_->start_background();
  server_ = std::make_unique<http::Server>(http::ServerOptions::from(app_->config), app_->router, app_->metrics);
  app_->attach(*server_);
  server_->start();
}

TestServer::~TestServer() { stop(); }

void TestServer::use_question_bank(const std::string& file) {
  auto text = read_file(std::string(PM_SOURCE_DIR) + "/data/questions/" + file);
  auto doc = parse_json(text);
  ASSERT_TRUE(doc.has_value()) << file;
  ASSERT_EQ(doc->value("bank", ""), app_->config.question_bank)
      << "the server serves another bank: set config.question_bank";
  auto imported = app_->questionnaire.import(*doc);
  ASSERT_TRUE(imported.has_value()) << imported.error().detail << " " << imported.error().extensions.dump();
}

void TestServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stop();
  server_->wait();
  app_->close();
}

}  // namespace pm::test
