#include "auth/oidc/fetch.hpp"

#include <fstream>

#include <fmt/format.h>

#include "core/http_client.hpp"

namespace pm::auth::oidc {

namespace {

using Unexpected = std::unexpected<std::string>;

std::expected<std::string, std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(fmt::format("cannot open {}", path));
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes) return Unexpected(fmt::format("{} is larger than {} bytes", path, max_bytes));
  }
  if (in.bad()) return Unexpected(fmt::format("cannot read {}", path));
  return out;
}

std::expected<std::string, std::string> get_url(const std::string& url, std::chrono::milliseconds timeout,
                                                std::size_t max_bytes) {
  auto answer =
      http_client::send({.url = url}, {.connect_timeout = timeout, .timeout = timeout, .max_body = max_bytes});
  if (!answer && answer.error().kind == http_client::Failure::Kind::too_large)
    return Unexpected(fmt::format("{} answered with more than {} bytes", url, max_bytes));
  if (!answer) return Unexpected(fmt::format("GET {} failed: {}", url, answer.error().detail));
  if (answer->status != 200) return Unexpected(fmt::format("GET {} answered HTTP {}", url, answer->status));
  return std::move(answer->body);
}

}  // namespace

bool is_url(std::string_view source) { return http_client::is_http_url(source); }

std::expected<std::string, std::string> fetch_document(const std::string& source, std::chrono::milliseconds timeout,
                                                       std::size_t max_bytes) {
  return is_url(source) ? get_url(source, timeout, max_bytes) : read_file(source, max_bytes);
}

}  // namespace pm::auth::oidc
