#include "http/static_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "http/path.hpp"

namespace pm::http {

namespace {

namespace fs = std::filesystem;

bool plain_segment(std::string_view s) {
  if (s.empty() || s.front() == '.') return false;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The path's segments when every one is plain; nullopt otherwise (the request is refused).
std::optional<std::vector<std::string_view>> plain_segments(std::string_view path) {
  auto segments = path_segments(path);
  if (!std::all_of(segments.begin(), segments.end(), plain_segment)) return std::nullopt;
  return segments;
}

std::optional<std::string> read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

// `file`, resolved, when it is a regular file inside `root` (already canonical).
std::optional<fs::path> inside(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  auto real = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec)) return std::nullopt;
  auto rel = real.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  return real;
}

Response not_found(const Request& req, std::string detail) {
  return problem_response(Problem("not-found", std::move(detail)), req.request_id);
}

Response file_response(const fs::path& file, std::string body, bool immutable, const std::string& csp) {
  Response res{Status::ok, 11};
  res.set(beast_http::field::content_type, content_type_for(file.filename().string()));
  res.set(beast_http::field::cache_control, immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set("Content-Security-Policy", csp);
  res.set("Referrer-Policy", "same-origin");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.body() = std::move(body);
  return res;
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// connect-src 'self' covers the app's own WebSocket (ws: or wss: to this host, CSP Level 3, which
// Chromium, Firefox and Safari follow); `ws: wss:` let a script send anything to any host.
std::string web_app_csp(std::string_view media_origin) {
  return fmt::format(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{}{}; "
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
      "form-action 'self'; frame-ancestors 'none'",
      media_origin.empty() ? "" : " ", media_origin);
}

void add_web_app(Router& router, std::string dir, std::string_view media_origin) {
  router.set_fallback(
      [dir = std::move(dir), csp = web_app_csp(media_origin)](Request& req) -> Response {
        std::error_code ec;
        const fs::path root = fs::canonical(dir, ec);
        if (ec) return not_found(req, "the web app is not built on this server (./pm build builds it)");
        auto segments = plain_segments(req.path());
        if (!segments) return not_found(req, "there is no such file");
        if (!segments->empty()) {
          fs::path wanted = root;
          for (auto s : *segments) wanted /= std::string(s);
          if (auto file = inside(root, wanted)) {
            auto body = read_whole(*file);
            if (!body) return not_found(req, "there is no such file");
            return file_response(*file, std::move(*body), segments->front() == "assets", csp);
          }
          // A missing asset is a stale page asking for an old build, not a route of the app.
          if (segments->front() == "assets" || segments->back().find('.') != std::string_view::npos)
            return not_found(req, "there is no such file");
        }
        auto index = inside(root, root / "index.html");
        auto body = index ? read_whole(*index) : std::nullopt;
        if (!body) return not_found(req, "the web app is not built on this server (./pm build builds it)");
        return file_response(*index, std::move(*body), false, csp);
      },
      {"/api", "/media"});
}

}  // namespace pm::http
