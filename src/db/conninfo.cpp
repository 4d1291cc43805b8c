#include "db/conninfo.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

namespace pm::db {

namespace {

std::string quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The parsed keyword/value pairs of a connection string.
Result<std::map<std::string, std::string>> parse(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  if (!options) {
    std::string why = err ? err : "unparseable";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return std::unexpected(Problem("config", "invalid PostgreSQL connection string: " + why));
  }
  std::map<std::string, std::string> values;
  for (auto* o = options; o->keyword; ++o)
    if (o->val && *o->val) values[o->keyword] = o->val;
  PQconninfoFree(options);
  return values;
}

}  // namespace

Result<std::string> conninfo_with(const std::string& url, const std::map<std::string, std::string>& overrides) {
  auto values = PM_TRY(parse(url));
  for (const auto& [k, v] : overrides) values[k] = v;
  std::string out;
  for (const auto& [k, v] : values) out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, quote(v));
  return out;
}

std::string describe_target(const std::string& url) {
  auto values = parse(url);
  if (!values) return "(invalid connection string)";
  auto get = [&](const char* k, const char* def) {
    auto it = values->find(k);
    return it == values->end() ? std::string(def) : it->second;
  };
  return fmt::format("{}:{}/{}", get("host", "localhost"), get("port", "5432"), get("dbname", "?"));
}

}  // namespace pm::db
