#include "db/migrations.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace pm::db {

namespace fs = std::filesystem;

namespace {

// A migration file's name, "0007_add_reports.up.sql": four digits, '_', a name of [a-z0-9_], then
// ".up.sql" or ".down.sql". Parsed by hand: <regex> alone was most of this file's compile time.
struct MigrationFileName {
  int version = 0;
  std::string name;  // "0007_add_reports"
  bool up = false;
};

std::optional<MigrationFileName> parse_file_name(std::string_view file) {
  bool up = file.ends_with(".up.sql");
  if (!up && !file.ends_with(".down.sql")) return std::nullopt;
  std::string_view name = file.substr(0, file.size() - (up ? 7 : 9));
  if (name.size() < 6 || name[4] != '_') return std::nullopt;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!std::all_of(name.begin(), name.begin() + 4, is_digit)) return std::nullopt;
  if (!std::all_of(name.begin() + 5, name.end(),
                   [&](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; }))
    return std::nullopt;
  return MigrationFileName{.version = std::stoi(std::string(name.substr(0, 4))), .name = std::string(name), .up = up};
}

Problem migration_problem(std::string detail) { return Problem("migration", std::move(detail)); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Serialises concurrent `migrate` runs (two servers starting at once) on one database.
class AdvisoryLock {
 public:
  explicit AdvisoryLock(pqxx::connection& conn) : conn_(conn) {
    pqxx::nontransaction(conn_).exec("SELECT pg_advisory_lock(hashtext('perfectmatch.migrate'))");
  }
  ~AdvisoryLock() {
    try {
      pqxx::nontransaction(conn_).exec("SELECT pg_advisory_unlock(hashtext('perfectmatch.migrate'))");
    } catch (...) {  // the session's end releases it anyway
    }
  }

 private:
  pqxx::connection& conn_;
};

}  // namespace

Result<std::vector<Migration>> load_migrations(const std::string& dir) {
  if (!fs::is_directory(dir)) return std::unexpected(migration_problem(fmt::format("no migrations folder at {}", dir)));

  std::map<int, Migration> by_version;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    auto parsed = parse_file_name(file);
    if (!parsed) continue;
    int version = parsed->version;
    Migration& mig = by_version[version];
    const std::string& name = parsed->name;
    if (!mig.name.empty() && mig.name != name)
      return std::unexpected(
          migration_problem(fmt::format("two migrations are numbered {:04}: {} and {}", version, mig.name, name)));
    mig.version = version;
    mig.name = name;
    (parsed->up ? mig.up_sql : mig.down_sql) = read_file(entry.path());
  }

  std::vector<Migration> out;
  int expected = 1;
  for (auto& [version, mig] : by_version) {
    if (version != expected)
      return std::unexpected(
          migration_problem(fmt::format("migration {:04} is missing (found {} next)", expected, mig.name)));
    if (mig.up_sql.empty() || mig.down_sql.empty())
      return std::unexpected(migration_problem(fmt::format("{} needs both an .up.sql and a .down.sql file", mig.name)));
    mig.checksum = crypto::sha256_hex(mig.up_sql);
    out.push_back(std::move(mig));
    ++expected;
  }
  return out;
}

Migrator::Migrator(pqxx::connection& conn, std::vector<Migration> files) : conn_(conn), files_(std::move(files)) {}

Result<std::vector<MigrationState>> Migrator::states() {
  pqxx::nontransaction tx(conn_);
  tx.exec(R"(CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()))");
  std::vector<MigrationState> states;
  for (const auto& f : files_) states.push_back({.file = &f});

  auto rows = tx.exec(
      "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "AS applied_at FROM schema_migrations ORDER BY version");
  for (const auto& row : rows) {
    int version = row["version"].as<int>();
    auto name = row["name"].as<std::string>();
    if (version < 1 || version > static_cast<int>(files_.size()))
      return std::unexpected(
          migration_problem(fmt::format("the database has migration {} applied, which is not in the migrations folder; "
                                        "is this binary older than the database?",
                                        name)));
    auto& state = states[version - 1];
    state.applied = true;
    state.applied_at = row["applied_at"].as<std::string>();
    state.changed = row["checksum"].as<std::string>() != state.file->checksum;
  }
  return states;
}

Result<std::vector<std::string>> Migrator::up() {
  AdvisoryLock lock(conn_);
  auto current = PM_TRY(states());
  for (const auto& s : current) {
    if (s.changed)
      return std::unexpected(migration_problem(
          fmt::format("{} was changed after it was applied (its checksum no longer matches the one recorded); "
                      "restore the file and put the change in a new migration",
                      s.file->name)));
  }
  std::vector<std::string> applied;
  for (const auto& s : current) {
    if (s.applied) continue;
    try {
      pqxx::work tx(conn_);
      // Row-level security binds the owner too (FORCE): a migration that reads or changes rows
      // does it as the system (docs/security.md).
      tx.exec("SELECT set_config('pm.system', 'on', true)");
      tx.exec(s.file->up_sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", s.file->version,
                     s.file->name, s.file->checksum);
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      return std::unexpected(
          migration_problem(fmt::format("{} failed and was rolled back: {}", s.file->name, e.what())));
    }
    applied.push_back(s.file->name);
  }
  return applied;
}

Result<std::vector<std::string>> Migrator::down(bool all) {
  AdvisoryLock lock(conn_);
  auto current = PM_TRY(states());
  std::vector<std::string> reverted;
  for (auto it = current.rbegin(); it != current.rend(); ++it) {
    if (!it->applied) continue;
    if (it->changed)
      return std::unexpected(migration_problem(fmt::format(
          "{} was changed after it was applied; refusing to revert it with a different file", it->file->name)));
    try {
      pqxx::work tx(conn_);
      tx.exec("SELECT set_config('pm.system', 'on', true)");
      tx.exec(it->file->down_sql);
      tx.exec_params("DELETE FROM schema_migrations WHERE version = $1", it->file->version);
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      return std::unexpected(
          migration_problem(fmt::format("reverting {} failed and was rolled back: {}", it->file->name, e.what())));
    }
    reverted.push_back(it->file->name);
    if (!all) break;
  }
  return reverted;
}

Result<std::vector<MigrationState>> Migrator::status() { return states(); }

}  // namespace pm::db
