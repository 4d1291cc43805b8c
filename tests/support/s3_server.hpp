#pragma once
// s3rver, a real S3-protocol server (Node.js, from the npm registry; ./pm test installs it into
// tests/s3/node_modules with `npm ci`), on a free loopback port with a folder of its own and one
// bucket. Runs with --service-endpoint localhost, so both path-style requests to
// http://127.0.0.1:<port>/<bucket>/<key> and virtual-host requests to
// http://<bucket>.s3.localhost:<port>/<key> reach it (curl resolves *.localhost to loopback).
// No Node.js or no s3rver is an error that fails the test, never a skip.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "support/processes.hpp"

namespace pm::test {

class S3Server {
 public:
  explicit S3Server(std::string bucket = "photos");
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& bucket() const { return bucket_; }
  // s3rver knows one account; it checks the access key (not the V4 signature itself).
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";
  std::string path_style_endpoint() const;    // http://127.0.0.1:<port>
  std::string virtual_host_endpoint() const;  // http://s3.localhost:<port>
  // The server's output so far (for failure messages).
  std::string log() const;
  // Makes `config` store media here (path-style URLs), as PM_MEDIA_BACKEND=s3 and its settings do.
  void configure(Config& config) const;
  // An outage: the server gone (connections refused), then back on the same port with what it held.
  void stop();
  void start();

 private:
  std::vector<std::string> argv_;
  std::string bucket_;
  std::uint16_t port_;
  std::filesystem::path dir_;
  std::unique_ptr<Process> process_;
};

}  // namespace pm::test
