#pragma once
// A tiny OpenAI-compatible API in the test process (Boost.Beast), for the embedding and chat
// clients: it answers every POST with a scripted reply (status, body, optional delay), remembers
// the last request's path, body and Authorization header, and counts requests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace pm::test {

class FakeOpenAiServer {
 public:
  struct Reply {
    int status = 200;
    std::string body = "{}";
    std::chrono::milliseconds delay{0};
  };

  FakeOpenAiServer();  // listening on 127.0.0.1, a free port
  ~FakeOpenAiServer();
  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  // The reply to every request once the queued ones are used up.
  void set_reply(Reply reply);
  // Replies for the next requests, in order, before the default one: e.g. a 500 and then a 200.
  void queue_reply(Reply reply);

  std::string base_url() const;  // http://127.0.0.1:<port>/v1
  std::size_t requests() const { return requests_.load(); }
  std::string last_path() const;
  std::string last_body() const;
  std::string last_authorization() const;  // empty when the header was absent

  // Called by the server thread for each request: records it and picks its reply.
  Reply on_request(std::string path, std::string body, std::string authorization);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;
  Reply default_reply_;
  std::deque<Reply> queued_;
  std::string last_path_, last_body_, last_authorization_;
};

// Answers in the shapes the real API uses.
std::string embedding_reply(const std::string& values_json);  // e.g. "[3, 4]"
std::string chat_reply(const std::string& content);           // content is a string the model "wrote"

}  // namespace pm::test
