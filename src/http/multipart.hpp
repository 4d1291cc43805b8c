#pragma once
// The one file of a multipart/form-data body (what a browser's <input type=file> form sends).

#include <string_view>

#include "core/problem.hpp"

namespace pm::http {

// The content of the first part that carries a filename (or else the first part), as a view
// into `body`. 400 "malformed-multipart" when the boundary or the part structure is wrong.
Result<std::string_view> first_file_part(std::string_view content_type, std::string_view body);

}  // namespace pm::http
