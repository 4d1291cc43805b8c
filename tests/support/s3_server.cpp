#include "support/s3_server.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace pm::test {

namespace fs = std::filesystem;

namespace {

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
  return {};
}

}  // namespace

S3Server::S3Server(std::string bucket)
    : bucket_(std::move(bucket)),
      port_(free_port()),
      dir_(fs::temp_directory_path() / fmt::format("pm-s3rver-{}", crypto::random_hex(6))) {
  auto node = find_in_path("node");
  if (node.empty())
    throw std::runtime_error(
        "Node.js (node) is not on PATH: the S3 tests need it to run s3rver. Install Node.js, "
        "then run ./pm test (it runs npm ci --prefix tests/s3)");
  auto script = fs::path(PM_SOURCE_DIR) / "tests/s3/node_modules/s3rver/bin/s3rver.js";
  if (!fs::exists(script))
    throw std::runtime_error(
        fmt::format("s3rver is not installed ({} is missing): run npm ci --prefix tests/s3, which ./pm test does",
                    script.string()));
  fs::create_directories(dir_ / "data");
  argv_ = {node,
           script.string(),
           "--directory",
           (dir_ / "data").string(),
           "--address",
           "127.0.0.1",
           "--port",
           std::to_string(port_),
           "--service-endpoint",
           "localhost",
           "--configure-bucket",
           bucket_};
  start();
}

void S3Server::start() {
  process_ = std::make_unique<Process>(argv_, std::map<std::string, std::string>{}, (dir_ / "s3rver.log").string());
  if (!wait_for_port(port_, 90000)) {
    auto output = log();
    throw std::runtime_error(fmt::format("s3rver did not start listening on port {}:\n{}", port_, output));
  }
}

void S3Server::stop() { process_.reset(); }

void S3Server::configure(Config& config) const {
  config.media_backend = "s3";
  config.s3_endpoint = path_style_endpoint();
  config.s3_bucket = bucket_;
  config.s3_access_key = kAccessKey;
  config.s3_secret_key = kSecretKey;
  config.s3_path_style = true;
}

S3Server::~S3Server() {
  process_.reset();  // SIGKILL and reap
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string S3Server::path_style_endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }
std::string S3Server::virtual_host_endpoint() const { return fmt::format("http://s3.localhost:{}", port_); }

std::string S3Server::log() const {
  std::ifstream in(dir_ / "s3rver.log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace pm::test
