#include "http/router.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "http/path.hpp"

namespace pm::http {

namespace {

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
bool is_rest(std::string_view segment) {
  return is_param(segment) && segment.size() > 3 && segment[segment.size() - 2] == '*';
}

// Path parameters arrive percent-encoded; ids never need more than this.
std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, std::size_t max_body_bytes) {
  std::vector<std::string> segments;
  for (auto s : path_segments(pattern)) segments.emplace_back(s);
  for (std::size_t i = 0; i + 1 < segments.size(); ++i)
    if (is_rest(segments[i])) throw std::logic_error("a {name*} parameter must be the last segment: " + pattern);
  for (const auto& r : routes_)
    if (r.method == method && r.segments == segments) throw std::logic_error("route registered twice: " + pattern);
  routes_.push_back({method, std::move(pattern), std::move(segments), std::move(handler), max_body_bytes});
}

void Router::add_never_waiting(Method method, std::string pattern, Handler handler) {
  if (pattern.find('{') != std::string::npos)
    throw std::logic_error("a route that never waits has a literal pattern: " + pattern);
  add(method, std::move(pattern), std::move(handler));
  routes_.back().never_waits = true;
}

bool Router::never_waits(Method method, std::string_view path) const {
  for (const auto& r : routes_)
    if (r.never_waits && r.method == method && r.pattern == path) return true;
  return false;
}

std::size_t Router::body_limit(Method method, std::string_view path, std::size_t fallback) const {
  auto m = match(method, path);
  if (!m.handler) return fallback;
  for (const auto& r : routes_)
    if (&r.handler == m.handler) return r.max_body_bytes ? r.max_body_bytes : fallback;
  return fallback;
}

std::size_t Router::largest_body_limit(std::size_t fallback) const {
  std::size_t largest = fallback;
  for (const auto& r : routes_) largest = std::max(largest, r.max_body_bytes);
  return largest;
}

void Router::set_fallback(Handler handler, std::vector<std::string> except_prefixes) {
  fallback_ = std::move(handler);
  fallback_except_ = std::move(except_prefixes);
}

std::vector<std::pair<Method, std::string>> Router::routes() const {
  std::vector<std::pair<Method, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

Router::Match Router::match(Method method, std::string_view path) const {
  auto parts = path_segments(path);
  Match miss{.route = "(unmatched)", .status = Status::not_found};
  for (const auto& r : routes_) {
    const bool rest = !r.segments.empty() && is_rest(r.segments.back());
    if (rest ? parts.size() < r.segments.size() : parts.size() != r.segments.size()) continue;
    // The literal segments first: most routes differ there, and no parameter is decoded for them.
    bool literal_match = true;
    for (std::size_t i = 0; i < r.segments.size() && literal_match; ++i)
      if (!is_param(r.segments[i])) literal_match = r.segments[i] == parts[i];
    if (!literal_match) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < r.segments.size() && ok; ++i) {
      const auto& seg = r.segments[i];
      if (rest && i + 1 == r.segments.size()) {
        // Each segment is decoded on its own, so an encoded "%2F" cannot be told from a real '/';
        // handlers that take such a path validate the joined value as a whole.
        std::string joined;
        for (std::size_t j = i; j < parts.size(); ++j) {
          if (j > i) joined += '/';
          joined += decode(parts[j]);
        }
        params[seg.substr(1, seg.size() - 3)] = std::move(joined);
      } else if (is_param(seg)) {
        params[seg.substr(1, seg.size() - 2)] = decode(parts[i]);
      } else {
        ok = seg == parts[i];
      }
    }
    if (!ok) continue;
    if (r.method == method) return {.handler = &r.handler, .route = r.pattern, .params = std::move(params)};
    miss.status = Status::method_not_allowed;
    miss.route = r.pattern;
    auto name = beast_http::to_string(r.method);
    miss.allow += (miss.allow.empty() ? "" : ", ") + std::string(name.data(), name.size());
  }
  if (miss.status == Status::not_found && method == Method::get && fallback_) {
    // Read as the routes are (path_segments): `//api/x` is under /api too.
    const auto first = path.find_first_not_of('/');
    const auto normal = first == 0 || first == std::string_view::npos ? path : path.substr(first - 1);
    for (const auto& prefix : fallback_except_)
      if (normal == prefix ||
          (normal.starts_with(prefix) && normal.size() > prefix.size() && normal[prefix.size()] == '/'))
        return miss;
    return {.handler = &fallback_, .route = "(web app)"};
  }
  return miss;
}

}  // namespace pm::http
