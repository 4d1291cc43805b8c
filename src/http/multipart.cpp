#include "http/multipart.hpp"

namespace pm::http {

namespace {
Problem malformed(std::string detail) { return Problem("malformed-multipart", std::move(detail)); }

std::string_view boundary_of(std::string_view content_type) {
  auto at = content_type.find("boundary=");
  if (at == std::string_view::npos) return {};
  auto b = content_type.substr(at + 9);
  b = b.substr(0, b.find(';'));
  if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
  return b;
}
}  // namespace

Result<std::string_view> first_file_part(std::string_view content_type, std::string_view body) {
  auto boundary = boundary_of(content_type);
  if (boundary.empty() || boundary.size() > 70)
    return std::unexpected(malformed("the Content-Type has no usable boundary"));
  const std::string delimiter = "--" + std::string(boundary);
  auto pos = body.find(delimiter);
  if (pos == std::string_view::npos) return std::unexpected(malformed("the body does not contain the boundary"));
  std::string_view first_part;
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return std::unexpected(malformed("a boundary line is not followed by CRLF"));
    pos += 2;
    auto headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return std::unexpected(malformed("a part has no end of headers"));
    auto headers = body.substr(pos, headers_end - pos);
    auto content_start = headers_end + 4;
    auto next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) return std::unexpected(malformed("a part is not closed by the boundary"));
    auto content = body.substr(content_start, next - content_start);
    if (headers.find("filename=") != std::string_view::npos) return content;
    if (first_part.data() == nullptr) first_part = content;
    pos = next + 2;
  }
  if (first_part.data() == nullptr) return std::unexpected(malformed("the body has no parts"));
  return first_part;
}

Result<std::string_view> uploaded_file(const Request& req) {
  auto type = req.header("Content-Type");
  auto bytes = type.starts_with("multipart/form-data") ? first_file_part(type, req.raw.body())
                                                       : Result<std::string_view>(std::string_view(req.raw.body()));
  if (bytes && bytes->empty()) return std::unexpected(Problem("empty-upload", "the body holds no image"));
  return bytes;
}

}  // namespace pm::http
