#pragma once
// A small blocking HTTP/1.1 client for tests, over real sockets.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pm::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One keep-alive connection; requests on it reuse the socket.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);
  ~HttpConnection();
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const Headers& headers = {});
  // Sends raw bytes and reads one response (for malformed requests).
  HttpResult raw(const std::string& bytes);
  bool is_open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpResult http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
                const Headers& headers = {});

// One series of a node's /metrics, named with its labels as the page writes it (e.g.
// `pm_match_list_pages_total{from="kept"}`); -1 when the page does not show it.
long long metric(std::uint16_t port, const std::string& series);

}  // namespace pm::test
