#pragma once
// Small text helpers for protocol text (headers, addresses, keywords): ASCII only, on purpose;
// human text is never case-folded this way.

#include <string>
#include <string_view>

namespace pm {

// `s` with A-Z turned to a-z and every other byte kept (UTF-8 passes through unchanged).
std::string ascii_lower(std::string_view s);
// `a` and `b` equal but for the case of ASCII letters.
bool ascii_iequals(std::string_view a, std::string_view b);
// `s` begins with `prefix`, ignoring the case of ASCII letters.
bool ascii_istarts_with(std::string_view s, std::string_view prefix);

}  // namespace pm
