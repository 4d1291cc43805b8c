#pragma once
// Sequential SQL migrations: migrations/NNNN_name.up.sql and NNNN_name.down.sql.
// Each step runs in its own transaction and is recorded, with the SHA-256 of its up file, in
// schema_migrations. An applied file that changed since is refused: history is append-only.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/problem.hpp"

namespace pm::db {

struct Migration {
  int version = 0;
  std::string name;  // "0002_user_management"
  std::string up_sql;
  std::string down_sql;
  std::string checksum;  // SHA-256 of up_sql
};

// Reads and checks the folder: pairs complete, numbered 1..N without gaps or duplicates.
Result<std::vector<Migration>> load_migrations(const std::string& dir);

struct MigrationState {
  const Migration* file = nullptr;
  bool applied = false;
  std::string applied_at;  // ISO-8601, when applied
  bool changed = false;    // applied, but the file's checksum differs
};

class Migrator {
 public:
  Migrator(pqxx::connection& conn, std::vector<Migration> files);

  // Applies every pending migration in order; returns the names applied.
  Result<std::vector<std::string>> up();
  // Reverts the last applied migration, or all of them; returns the names reverted.
  Result<std::vector<std::string>> down(bool all);
  Result<std::vector<MigrationState>> status();

 private:
  Result<std::vector<MigrationState>> states();  // also checks the recorded history against the files

  pqxx::connection& conn_;
  std::vector<Migration> files_;
};

}  // namespace pm::db
