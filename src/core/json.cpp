#include "core/json.hpp"

#include <cmath>
#include <iterator>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"

namespace pm {

std::string dump_json(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<Json> parse_json(std::string_view text) {
  if (text.empty())
    return std::unexpected(Problem("malformed-json", "the request body is empty; a JSON value was expected"));
  // The callback sees each array and object as it opens, and stops the parse past the depth
  // limit, before anything that deep is built. It also refuses an object that names a key twice:
  // kept silently (the last one won), it would be read otherwise by anything that keeps the first
  // (a gateway, a client's validation), one body meaning two things (RFC 8259 4 leaves it to us).
  struct TooDeep {};
  struct DuplicateKey {
    std::string key;
  };
  std::vector<std::set<std::string>> keys;  // of each object open, innermost last
  auto check = [&keys](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) throw TooDeep{};
        if (event == Json::parse_event_t::object_start) keys.emplace_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.back().insert(parsed.get_ref<const std::string&>()).second)
          throw DuplicateKey{parsed.get_ref<const std::string&>()};
        break;
      case Json::parse_event_t::object_end:
        keys.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text, check);
  } catch (const TooDeep&) {
    return std::unexpected(Problem(
        "malformed-json", fmt::format("the JSON nests arrays and objects deeper than {} levels", kMaxJsonDepth)));
  } catch (const DuplicateKey& d) {
    // At most 40 bytes of a key the client chose; a character cut in two there is replaced.
    constexpr std::size_t kShown = 40;
    const std::string key = d.key.size() > kShown ? valid_utf8(d.key.substr(0, kShown)) + "..." : d.key;
    return std::unexpected(Problem("malformed-json", fmt::format("an object names the key \"{}\" twice", key)));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers too large for a double
    // nlohmann's message starts with an internal tag ("[json.exception.parse_error.101] "): drop it.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return std::unexpected(Problem("malformed-json", fmt::format("the body is not valid JSON: {}", what)));
  }
}

std::string string_member(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

namespace {

void escape_into(std::string& out, std::string_view s) {
  out.push_back('"');
  // Plain printable ASCII, most of any text, is appended a run at a time (a byte at a time it was
  // a tenth of match generation's process, writing the insights' JSON).
  auto plain = [](unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; };
  while (!s.empty()) {
    std::size_t run = 0;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    if (run > 0) {
      out.append(s.substr(0, run));
      s.remove_prefix(run);
      continue;
    }
    const auto c = static_cast<unsigned char>(s[0]);
    std::size_t used = 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else if (std::size_t n = utf8_sequence(s); n > 0) {
          out.append(s.substr(0, n));
          used = n;
        } else {
          out += "\xEF\xBF\xBD";  // U+FFFD, as dump_json
        }
    }
    s.remove_prefix(used);
  }
  out.push_back('"');
}

}  // namespace

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;
  if (!first_.back()) out_.push_back(',');
  first_.back() = false;
}

JsonWriter& JsonWriter::open(char bracket) {
  separate();
  out_.push_back(bracket);
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_.push_back(bracket);
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  escape_into(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  escape_into(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  separate();
  if (!std::isfinite(number)) {
    out_ += "null";
  } else {
    // The shortest text that reads back as the same double, as dump_json's (a whole number keeps
    // its ".0", so a reader sees a floating-point value either way).
    fmt::format_to(std::back_inserter(out_), "{}", number);
    if (number == std::trunc(number) && std::abs(number) < 1e15) out_ += ".0";
  }
  return *this;
}

JsonWriter& JsonWriter::value(int number) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& texts) {
  begin_array();
  for (const auto& t : texts) value(t);
  return end_array();
}

}  // namespace pm
