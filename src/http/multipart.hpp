#pragma once
// The one file of a multipart/form-data body (what a browser's <input type=file> form sends), and
// an upload's bytes either way.

#include <string_view>

#include "core/problem.hpp"
#include "http/message.hpp"

namespace pm::http {

// The content of the first part that carries a filename (or else the first part), as a view
// into `body`. 400 "malformed-multipart" when the boundary or the part structure is wrong.
Result<std::string_view> first_file_part(std::string_view content_type, std::string_view body);

// An upload's bytes: the raw body, or the file of a multipart/form-data body. 400 "empty-upload"
// when there are none.
Result<std::string_view> uploaded_file(const Request& req);

}  // namespace pm::http
