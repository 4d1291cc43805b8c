#pragma once
// A tiny HTTP server in the test process (Boost.Beast) standing in for a provider's JWKS endpoint:
// it answers every GET with the current status and body, optionally after a delay, and counts requests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace pm::test {

class JwksServer {
 public:
  JwksServer();  // listening on 127.0.0.1, a free port
  ~JwksServer();
  JwksServer(const JwksServer&) = delete;
  JwksServer& operator=(const JwksServer&) = delete;

  void set_body(std::string body);
  void set_status(int status);
  void set_delay(std::chrono::milliseconds delay);

  std::string url() const;  // http://127.0.0.1:<port>/jwks.json
  std::size_t requests() const { return requests_.load(); }

  struct Reply {
    int status;
    std::string body;
    std::chrono::milliseconds delay;
  };
  Reply next_reply();  // counts one request

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;
  Reply reply_{200, R"({"keys":[]})", std::chrono::milliseconds(0)};
};

}  // namespace pm::test
