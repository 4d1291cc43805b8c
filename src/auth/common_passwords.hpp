#pragma once
#include <string_view>

namespace pm::auth {
// True for the passwords that top the published lists of leaked passwords (lower-case input).
bool is_common_password(std::string_view lower_case);
}  // namespace pm::auth
