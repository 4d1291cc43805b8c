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
// `s` without the ASCII white space (space, tab, CR, LF, VT, FF) at either end.
std::string_view ascii_trim(std::string_view s);
// Every byte of `s` is printable ASCII (space to tilde): no control character, no NUL, no UTF-8.
bool ascii_printable(std::string_view s);

// The length of the well-formed UTF-8 sequence at the start of `s` (1-4), or 0 when it is not one
// (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut short).
std::size_t utf8_sequence(std::string_view s);
// `s` is well-formed UTF-8 throughout (what PostgreSQL takes as text).
bool is_utf8(std::string_view s);
// Whether `s` holds a code point a person's text never needs: a C1 control (U+0080-U+009F) or an
// explicit bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069), which
// reorder how the text around them is shown (a name that reads as another). The marks U+200E and
// U+200F, which right-to-left writing uses, and U+200D, which joins emoji, are not among them.
bool has_hidden_controls(std::string_view s);
// Whether `s` shows anything: a code point that is neither white space nor one that shows nothing
// by itself (a no-break or ideographic space, a zero-width space or joiner, a Hangul filler...).
bool shows_something(std::string_view s);
// `s` with each byte that starts no well-formed UTF-8 sequence replaced by U+FFFD: for text from a
// client that is only kept or shown (a User-Agent), where JSON and PostgreSQL take only UTF-8.
std::string valid_utf8(std::string_view s);

}  // namespace pm
