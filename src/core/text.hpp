#pragma once
// Small text helpers for protocol text (headers, addresses, keywords): ASCII only, on purpose;
// human text is never case-folded this way. And whether bytes are UTF-8 at all.

#include <cstddef>
#include <string>
#include <string_view>

namespace pm {

// `s` with A-Z turned to a-z and every other byte kept (UTF-8 passes through unchanged).
std::string ascii_lower(std::string_view s);
// `a` and `b` equal but for the case of ASCII letters.
bool ascii_iequals(std::string_view a, std::string_view b);
// `s` begins with `prefix`, ignoring the case of ASCII letters.
bool ascii_istarts_with(std::string_view s, std::string_view prefix);

// The length of the well-formed UTF-8 sequence at the start of `s` (1-4), or 0 when it is not one
// (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut short).
std::size_t utf8_sequence(std::string_view s);
// `s` is well-formed UTF-8 throughout (what PostgreSQL takes as text).
bool is_utf8(std::string_view s);
// `s` with each byte that starts no well-formed UTF-8 sequence replaced by U+FFFD: for text from a
// client that is only kept or shown (a User-Agent), where JSON and PostgreSQL take only UTF-8.
std::string valid_utf8(std::string_view s);

}  // namespace pm
