// perfectmatch: one binary, one subcommand per job (see --help).

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

int main(int argc, char** argv) {
  using namespace pm;
  std::signal(SIGPIPE, SIG_IGN);
  crypto::init();

  auto loaded = Config::load();
  if (!loaded) {
    std::cerr << "perfectmatch: " << loaded.error().detail << "\n";
    return 2;
  }
  Config config = std::move(*loaded);

  CLI::App cli{"Perfect Match backend: the API server, the worker and the operator commands."};
  cli.footer(Config::describe());
  cli.require_subcommand(1);

  auto* serve = cli.add_subcommand("serve", "Serve the HTTP API on PM_HTTP_HOST:PM_HTTP_PORT until SIGTERM/SIGINT.");
  serve->add_option("--port", config.http_port, "HTTP port (overrides PM_HTTP_PORT)");
  serve->add_option("--host", config.http_host, "address to bind (overrides PM_HTTP_HOST)");
  serve->footer(Config::describe());

  auto* migrate = cli.add_subcommand("migrate", "Apply or revert the SQL migrations in PM_MIGRATIONS_DIR.");
  migrate->require_subcommand(1);
  migrate->add_option("--dir", config.migrations_dir, "migrations folder (overrides PM_MIGRATIONS_DIR)");
  migrate->footer("Each migration runs in one transaction and is recorded with its checksum in schema_migrations.");
  auto* up = migrate->add_subcommand("up", "Apply every pending migration.");
  auto* down = migrate->add_subcommand("down", "Revert the last applied migration.");
  bool all = false;
  down->add_flag("--all", all, "revert every applied migration");
  auto* status = migrate->add_subcommand("status", "List migrations: applied (when), pending, or changed since applied.");

  auto* questions = cli.add_subcommand("questions", "Manage question banks (docs/question-bank-format.md).");
  questions->require_subcommand(1);
  auto* import = questions->add_subcommand(
      "import", "Check a question bank file and import it (again): ids come from keys, so re-importing updates in place.");
  std::string bank_file;
  import->add_option("FILE", bank_file, "the bank's JSON file, e.g. data/questions/perfect-match.json")->required()->check(CLI::ExistingFile);

  auto* keys = cli.add_subcommand("keys", "Manage the PII encryption keys.");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand(
      "rotate", "Re-encrypt stored PII under PM_PII_ACTIVE_KEY. Add the new key to PM_PII_KEYS, make it active, run this, "
                "then the old key may be removed.");

  CLI11_PARSE(cli, argc, argv);

  if (!log::set_level(config.log_level)) {
    std::cerr << "perfectmatch: PM_LOG_LEVEL must be debug, info, warn or error\n";
    return 2;
  }
  if (*serve) return app::serve(std::move(config));
  if (*up) return app::migrate(config, app::MigrateAction::up, false);
  if (*down) return app::migrate(config, app::MigrateAction::down, all);
  if (*status) return app::migrate(config, app::MigrateAction::status, false);
  if (*rotate) return app::rotate_keys(std::move(config));
  if (*import) return app::import_questions(std::move(config), bank_file);
  return 2;
}
