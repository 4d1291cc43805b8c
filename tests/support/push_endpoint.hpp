#pragma once
// A local Web Push endpoint (tests/push/endpoint.mjs, Node.js with http_ece and jose from the npm
// registry; ./pm test installs them into tests/push/node_modules with `npm ci`) on a free loopback
// port: it hands out browser-like subscriptions, decrypts each push with the subscription's keys,
// verifies its VAPID JWT, records it and answers as the test asks. No Node.js or no packages is an
// error that fails the test, never a skip.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/processes.hpp"

namespace pm::test {

class PushEndpoint {
 public:
  PushEndpoint();
  ~PushEndpoint();
  PushEndpoint(const PushEndpoint&) = delete;
  PushEndpoint& operator=(const PushEndpoint&) = delete;

  // A new subscription as PushSubscription.toJSON() gives it ({endpoint, expirationTime, keys}),
  // plus its "id" here.
  nlohmann::json subscribe();
  // The next pushes to subscription `id` are answered with these statuses (then 201 again).
  void answer(const std::string& id, const std::vector<int>& statuses);
  // The next push to `id` is recorded but not answered until release().
  void hold(const std::string& id);
  void release();
  // Every push received so far: {id, headers: {ttl, urgency, topic, content_encoding}, vapid: {ok,
  // claims, k}, payload (decrypted JSON) or decrypt_error, status}; and how many answers are held.
  std::vector<nlohmann::json> received();
  int held();
  std::string log() const;

 private:
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  std::uint16_t port_;
  std::filesystem::path log_;
  std::unique_ptr<Process> process_;
};

}  // namespace pm::test
