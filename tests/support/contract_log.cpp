#include "support/contract_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <mutex>

#include <gtest/gtest.h>

namespace pm::test::contract_log {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* dir() {
  static const char* d = std::getenv("PM_CONTRACT_LOG_DIR");
  return d && *d ? d : nullptr;
}

// Opened once per process; never closed (the process's end closes it).
int log_fd() {
  static std::once_flag once;
  static int fd = -1;
  std::call_once(once, [] {
    auto path = std::string(dir()) + "/" + std::to_string(::getpid()) + ".jsonl";
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  });
  return fd;
}

bool keeps_body(std::string_view content_type) {
  auto type = lower(content_type.substr(0, content_type.find(';')));
  return type.empty() || type.find("json") != std::string::npos || type.starts_with("text/") ||
         type.find("yaml") != std::string::npos;
}

}  // namespace

bool enabled() { return dir() != nullptr; }

void record(nlohmann::json entry) {
  if (!enabled()) return;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  entry["test"] = info ? std::string(info->test_suite_name()) + "." + info->name() : std::string();
  auto line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  int fd = log_fd();
  if (fd < 0) {
    ADD_FAILURE() << "cannot append to PM_CONTRACT_LOG_DIR " << dir();
    return;
  }
  // Regular files: one write of the whole line, appended atomically at the end.
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    ADD_FAILURE() << "a record for the contract check was cut short";
}

nlohmann::json http_exchange(std::string method, std::string target,
                             const std::vector<std::pair<std::string, std::string>>& request_headers, int status,
                             const std::vector<std::pair<std::string, std::string>>& response_headers,
                             const std::string& body, bool raw) {
  nlohmann::json req = nlohmann::json::object(), res = nlohmann::json::object();
  for (const auto& [k, v] : request_headers) {
    auto key = lower(k);
    req[key] = key == "authorization" || key == "cookie" ? std::string("(redacted)") : v;
  }
  std::string content_type;
  for (const auto& [k, v] : response_headers) {
    auto key = lower(k);
    if (key == "content-type") content_type = v;
    res[key] = v;
  }
  nlohmann::json out = {{"kind", "http"}, {"method", std::move(method)}, {"target", std::move(target)},
                        {"raw", raw},     {"request_headers", req},      {"status", status},
                        {"headers", res}, {"body_bytes", body.size()}};
  out["body"] = keeps_body(content_type) ? nlohmann::json(body) : nlohmann::json(nullptr);
  return out;
}

}  // namespace pm::test::contract_log
