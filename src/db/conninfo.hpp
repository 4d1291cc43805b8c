#pragma once
// PostgreSQL connection strings: parse a URL (or key=value string) and rebuild it with overrides.

#include <map>
#include <string>

#include "core/problem.hpp"

namespace pm::db {

// `url` with the given keywords replaced or added (e.g. {{"dbname","x"},{"connect_timeout","3"}}),
// as a libpq key=value string.
Result<std::string> conninfo_with(const std::string& url, const std::map<std::string, std::string>& overrides);

// host:port/dbname of `url`, without user or password: safe to log.
std::string describe_target(const std::string& url);

}  // namespace pm::db
