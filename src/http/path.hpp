#pragma once
// URL paths as segments: one reading for the router and the web app's static files, so both
// agree on what `/a//b/` is.

#include <string_view>
#include <vector>

namespace pm::http {

// The segments of `path`, empty ones (doubled, leading or trailing slashes) dropped.
inline std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    out.push_back(path.substr(0, end));
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return out;
}

}  // namespace pm::http
