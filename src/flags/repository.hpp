#pragma once
// All of the flags module's SQL (the feature_flags table, migrations/0017). Functions take the
// caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "flags/model.hpp"

namespace pm::flags::repository {

// Every flag, by key.
std::vector<Flag> all(pqxx::work& tx);
// One flag, locked for a change (FOR UPDATE) when `lock`.
std::optional<Flag> find(pqxx::work& tx, const std::string& key, bool lock = false);
// Creates or replaces the flag; `by` is the admin (empty: none). Returns the stored flag.
Flag upsert(pqxx::work& tx, const std::string& key, const FlagInput& in, const UserId& by);
// Whether there was such a flag to delete.
bool remove(pqxx::work& tx, const std::string& key);

}  // namespace pm::flags::repository
