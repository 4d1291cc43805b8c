#include <iostream>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "db/conninfo.hpp"
#include "db/migrations.hpp"

namespace pm::app {

int migrate(const Config& config, MigrateAction action, bool all) {
  auto files = db::load_migrations(config.migrations_dir);
  if (!files) {
    std::cerr << "migrate: " << files.error().detail << "\n";
    return 1;
  }
  // The owner role's URL: the app role may not run DDL.
  const std::string& url = config.migrate_database_url.empty() ? config.database_url : config.migrate_database_url;
  auto conninfo = db::conninfo_with(url, {{"application_name", "perfectmatch-migrate"}});
  if (!conninfo) {
    std::cerr << "migrate: " << conninfo.error().detail << "\n";
    return 1;
  }
  try {
    pqxx::connection conn(*conninfo);
    db::Migrator migrator(conn, std::move(*files));
    auto report = [](const auto& result, std::string_view verb, std::string_view none) {
      if (!result) {
        std::cerr << "migrate: " << result.error().detail << "\n";
        return 1;
      }
      if (result->empty()) std::cout << none << "\n";
      for (const auto& name : *result) std::cout << verb << " " << name << "\n";
      return 0;
    };
    switch (action) {
      case MigrateAction::up:
        return report(migrator.up(), "applied", "the database is up to date");
      case MigrateAction::down:
        return report(migrator.down(all), "reverted", "nothing to revert");
      case MigrateAction::status: {
        auto states = migrator.status();
        if (!states) {
          std::cerr << "migrate: " << states.error().detail << "\n";
          return 1;
        }
        for (const auto& s : *states) {
          std::string state = !s.applied  ? "pending"
                              : s.changed ? "CHANGED since applied " + s.applied_at
                                          : "applied " + s.applied_at;
          std::cout << fmt::format("{:<40} {}\n", s.file->name, state);
        }
        return 0;
      }
    }
  } catch (const pqxx::broken_connection&) {
    std::cerr << "migrate: cannot connect to PostgreSQL at " << db::describe_target(url)
              << " (is the stack up? ./pm stack up)\n";
  }
  return 1;
}

}  // namespace pm::app
