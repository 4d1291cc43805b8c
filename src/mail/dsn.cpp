#include "mail/dsn.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace pm::mail {

namespace {

// Lines without their CR LF (or LF).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

struct Field {
  std::string name;  // lower case
  std::string value;
};

// Header-style fields from `lines`, folded lines joined (RFC 5322 §2.2.3), up to the first blank
// line; `used` is set to the lines consumed (the blank one included).
std::vector<Field> fields_of(const std::vector<std::string_view>& lines, std::size_t from, std::size_t& used) {
  std::vector<Field> out;
  std::size_t i = from;
  for (; i < lines.size() && !ascii_trim(lines[i]).empty(); ++i) {
    auto line = lines[i];
    if ((line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      out.back().value += " " + std::string(ascii_trim(line));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.push_back({ascii_lower(ascii_trim(line.substr(0, colon))), std::string(ascii_trim(line.substr(colon + 1)))});
  }
  used = i - from + (i < lines.size() ? 1 : 0);
  return out;
}

std::string field(const std::vector<Field>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (f.name == name) return f.value;
  return {};
}

// A Content-Type's parameter ("boundary"), unquoted; empty when absent.
std::string parameter(std::string_view content_type, std::string_view name) {
  auto lowered = ascii_lower(content_type);
  std::size_t at = 0;
  while ((at = lowered.find(name, at)) != std::string::npos) {
    const bool starts = at > 0 && (lowered[at - 1] == ';' || std::isspace(static_cast<unsigned char>(lowered[at - 1])));
    auto eq = at + name.size();
    while (eq < lowered.size() && lowered[eq] == ' ') ++eq;
    if (!starts || eq >= lowered.size() || lowered[eq] != '=') {
      at += name.size();
      continue;
    }
    auto value = content_type.substr(eq + 1);
    value = ascii_trim(value);
    if (value.starts_with('"')) {
      auto close = value.find('"', 1);
      return std::string(value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    }
    return std::string(ascii_trim(value.substr(0, value.find(';'))));
  }
  return {};
}

// "rfc822; a@b" -> "a@b" (an address type, then the address: RFC 3464 §2.3.2).
std::string typed_address(std::string_view value) {
  auto semicolon = value.find(';');
  auto address = ascii_trim(semicolon == std::string_view::npos ? value : value.substr(semicolon + 1));
  if (address.starts_with('<') && address.ends_with('>')) address = address.substr(1, address.size() - 2);
  return std::string(address);
}

// The bare addresses of a To-style header value ("Name <a@b>, c@d").
std::vector<std::string> addresses_in(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    auto one =
        ascii_trim(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    auto open = one.find('<');
    auto close = one.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open)
      one = one.substr(open + 1, close - open - 1);
    if (!one.empty()) out.emplace_back(one);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::optional<Dsn> parse_dsn(std::string_view message) {
  const auto lines = lines_of(message);
  std::size_t used = 0;
  const auto headers = fields_of(lines, 0, used);
  const auto content_type = field(headers, "content-type");
  if (!ascii_lower(content_type).starts_with("multipart/report")) return std::nullopt;
  const auto boundary = parameter(content_type, "boundary");
  if (boundary.empty()) return std::nullopt;

  Dsn dsn;
  for (const char* name : {"delivered-to", "x-original-to", "to"})
    for (const auto& f : headers)
      if (f.name == name)
        for (auto& a : addresses_in(f.value)) dsn.envelope_to.push_back(std::move(a));

  // The parts: the lines between "--boundary" delimiters, up to "--boundary--".
  const std::string delimiter = "--" + boundary;
  bool found = false;
  for (std::size_t i = used; i < lines.size(); ++i) {
    if (ascii_trim(lines[i]) != delimiter) continue;
    std::size_t part_used = 0;
    const auto part_headers = fields_of(lines, i + 1, part_used);
    const auto type = ascii_lower(field(part_headers, "content-type"));
    if (!type.starts_with("message/delivery-status") && !type.starts_with("message/global-delivery-status")) continue;
    // The part's body: blocks of fields up to the next delimiter; the first is per message.
    std::size_t end = i + 1 + part_used;
    while (end < lines.size() && !ascii_trim(lines[end]).starts_with(delimiter)) ++end;
    const std::vector<std::string_view> body(lines.begin() + static_cast<long>(i + 1 + part_used),
                                             lines.begin() + static_cast<long>(end));
    std::size_t at = 0;
    bool per_message = true;
    while (at < body.size()) {
      if (ascii_trim(body[at]).empty()) {
        ++at;
        continue;
      }
      std::size_t block_used = 0;
      const auto block = fields_of(body, at, block_used);
      at += std::max<std::size_t>(block_used, 1);
      if (per_message) {
        per_message = false;
        continue;
      }
      DsnRecipient r{.final_recipient = typed_address(field(block, "final-recipient")),
                     .action = ascii_lower(field(block, "action")),
                     .status = std::string(ascii_trim(field(block, "status")).substr(0, 16)),
                     .diagnostic = field(block, "diagnostic-code")};
      if (r.status.find(' ') != std::string::npos) r.status = r.status.substr(0, r.status.find(' '));
      if (!r.final_recipient.empty() && !r.action.empty()) dsn.recipients.push_back(std::move(r));
    }
    found = true;
    break;
  }
  if (!found) return std::nullopt;
  return dsn;
}

}  // namespace pm::mail
