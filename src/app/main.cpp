// perfectmatch: one binary, one subcommand per job (see --help).

#include <csignal>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "subscriptions/sandbox.hpp"

namespace {

// simulate's and evaluate's common options: the bank file, how many people (at least
// `min_users`), the pairs each is shown, the seed.
void add_simulation_options(CLI::App& command, pm::app::Simulation& simulation, int min_users) {
  command.add_option("--bank", simulation.bank_file, "the question bank file")->required()->check(CLI::ExistingFile);
  command.add_option("--users", simulation.options.users, "how many simulated people")
      ->check(CLI::Range(min_users, 1'000'000))
      ->capture_default_str();
  command.add_option("--pairs-per-user", simulation.options.pairs_per_user, "pairs each person is shown")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command.add_option("--seed", simulation.options.seed, "random seed")->capture_default_str();
}

}  // namespace

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

  CLI::App cli{
      "Perfect Match backend: the API server, the worker and the operator commands.\n"
      "Database roles (docs/security.md): `migrate` connects with PM_MIGRATE_DATABASE_URL (the owner role, which "
      "runs DDL); every other command (serve, worker, seed, keys, questions, matches, loadtest-pairs) with "
      "PM_DATABASE_URL (the app role: no DDL, owns nothing, row-level security applies)."};
  cli.footer(Config::describe());
  cli.require_subcommand(1);

  auto* serve = cli.add_subcommand(
      "serve", "Serve the HTTP API on PM_HTTP_HOST:PM_HTTP_PORT until SIGTERM/SIGINT (database: PM_DATABASE_URL).");
  serve->add_option("--port", config.http_port, "HTTP port (overrides PM_HTTP_PORT)");
  serve->add_option("--host", config.http_host, "address to bind (overrides PM_HTTP_HOST)");
  serve->footer(Config::describe());

  auto* migrate = cli.add_subcommand(
      "migrate",
      "Apply or revert the SQL migrations in PM_MIGRATIONS_DIR, as the owner role of PM_MIGRATE_DATABASE_URL "
      "(unset: PM_DATABASE_URL).");
  migrate->require_subcommand(1);
  migrate->add_option("--dir", config.migrations_dir, "migrations folder (overrides PM_MIGRATIONS_DIR)");
  migrate->footer("Each migration runs in one transaction and is recorded with its checksum in schema_migrations.");
  auto* up = migrate->add_subcommand("up", "Apply every pending migration.");
  auto* down = migrate->add_subcommand("down", "Revert the last applied migration.");
  bool all = false;
  down->add_flag("--all", all, "revert every applied migration");
  auto* status =
      migrate->add_subcommand("status", "List migrations: applied (when), pending, or changed since applied.");

  auto* questions = cli.add_subcommand("questions", "Manage question banks (docs/question-bank-format.md).");
  questions->require_subcommand(1);
  auto* import = questions->add_subcommand(
      "import",
      "Check a question bank file and import it (again): ids come from keys, so re-importing updates in place.");
  std::string bank_file;
  import->add_option("FILE", bank_file, "the bank's JSON file, e.g. data/questions/perfect-match.json")
      ->required()
      ->check(CLI::ExistingFile);

  auto* keys = cli.add_subcommand("keys", "Manage the PII encryption keys and the Web Push (VAPID) key.");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand(
      "rotate",
      "Re-encrypt stored PII under PM_PII_ACTIVE_KEY. Add the new key to PM_PII_KEYS, make it active, run this, "
      "then the old key may be removed.");
  auto* vapid = keys->add_subcommand(
      "vapid",
      "Make a Web Push (VAPID, RFC 8292) key pair: the private key as PEM into FILE (for PM_VAPID_KEY_FILE; never "
      "overwritten) or, without --out, on standard output; the public key (base64url) on the last line.");
  std::string vapid_out;
  vapid->add_option("--out", vapid_out, "where to write the private key (created with mode 600)");

  auto* mail = cli.add_subcommand("mail", "Mail delivery (docs/notifications.md).");
  mail->require_subcommand(1);
  auto* bounce = mail->add_subcommand(
      "bounce",
      "Record one delivery status notification (RFC 3464) read from standard input, as an MTA's pipe transport "
      "hands over the mail for a bounce address (PM_SMTP_BOUNCE_DOMAIN). Exit 0: taken; 67: not one of our "
      "bounce addresses, or forged; 75: try again later.");
  std::string bounce_recipient;
  bounce->add_option("--recipient", bounce_recipient,
                     "the envelope recipient (Postfix pipe: ${recipient}; exim: $local_part@$domain); default: the "
                     "message's Delivered-To, X-Original-To or To");

  auto* admin = cli.add_subcommand(
      "admin", "Staff roles, plans given without payment (docs/admin.md), feature flags (docs/feature-flags.md).");
  admin->require_subcommand(1);
  std::string admin_email, admin_role, admin_plan;
  int admin_days = 30;
  auto* grant = admin->add_subcommand(
      "grant", "Make an account moderator or admin (ROLE none: no longer staff). No HTTP route can do this.");
  grant->add_option("EMAIL", admin_email, "the account's email address")->required();
  grant->add_option("ROLE", admin_role, "moderator, admin or none")->required();
  auto* grant_plan = admin->add_subcommand(
      "grant-plan", "Give an account a plan for some days without payment (payment_method comp; plan free ends it).");
  grant_plan->add_option("EMAIL", admin_email, "the account's email address")->required();
  grant_plan->add_option("PLAN", admin_plan, "a plan id, e.g. premium")->required();
  grant_plan->add_option("--days", admin_days, "how long (default 30)")->check(CLI::Range(1, 3650));
  std::string deletions_file;
  auto* delete_accounts = admin->add_subcommand(
      "delete-accounts",
      "Delete the accounts whose ids FILE lists (one a line), as their owners' deletion does; ids with no account "
      "are skipped. ./pm restore uses it to delete again the accounts deleted after its target (docs/operations.md).");
  delete_accounts->add_option("FILE", deletions_file, "user ids, one a line")->required()->check(CLI::ExistingFile);
  auto* flags = admin->add_subcommand(
      "flags", "Print every feature flag as PostgreSQL holds it, one JSON object a line (docs/feature-flags.md).");
  bool flags_mirror = false;
  flags->add_flag("--mirror", flags_mirror, "first rewrite the Redis mirror (feature_flags:{key}) from PostgreSQL");

  auto* seed = cli.add_subcommand(
      "seed",
      "Create realistic demo users with completed questionnaires and photos (docs/demo-data.md); existing ones are "
      "skipped, so it is safe to run again.");
  int seed_users = 0;
  std::uint64_t seed_value = 42;
  bool seed_no_photos = false;
  seed->add_option("--users", seed_users, "how many demo users (demo1..demoN@demo.perfectmatch.test)")
      ->required()
      ->check(CLI::Range(1, 2'000'000));
  seed->add_option("--seed", seed_value, "random seed: the same seed gives the same users and answers")
      ->capture_default_str();
  seed->add_flag("--no-photos", seed_no_photos, "skip the placeholder photos (much faster)");
  int seed_history = 10;
  seed->add_option("--history", seed_history,
                   "pairs each person was shown in the simulated like/pass/reply history written as matches and "
                   "outcomes (0: none)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();

  auto* worker = cli.add_subcommand(
      "worker",
      "Run the background work: match vectors, regeneration, expiry, retention (until SIGTERM/SIGINT; database: "
      "PM_DATABASE_URL).");
  bool worker_once = false;
  worker->add_flag("--once", worker_once, "stop as soon as there is no more work (for scripts and tests)");
  worker
      ->add_option("--metrics-port", config.worker_metrics_port,
                   "serve Prometheus /metrics on 127.0.0.1 at this port (overrides PM_WORKER_METRICS_PORT)")
      ->check(CLI::Range(0, 65535));
  worker->footer(Config::describe());

  auto* matches = cli.add_subcommand("matches", "Operate the matching engine.");
  matches->require_subcommand(1);
  auto* generate = matches->add_subcommand(
      "generate",
      "Compute missing vectors, then generate matches for every user (progress bar; resumable; idempotent).");
  bool generate_all = false;
  std::string run_id = "all";
  generate->add_flag("--all", generate_all, "every user with vectors (required: there is no other mode yet)")
      ->required();
  generate->add_option("--run-id", run_id,
                       "name of this run; an interrupted run with the same name resumes where it stopped");
  int generate_jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  generate->add_option("--jobs", generate_jobs, "threads searching and composing matches (default: one per core)")
      ->check(CLI::Range(1, 64));
  int generate_batch = 100;
  generate
      ->add_option("--users-per-transaction", generate_batch,
                   "users whose matches are written (and the run's position saved) in one transaction")
      ->check(CLI::Range(1, 100000));
  int generate_writers = 2;
  generate
      ->add_option("--writers", generate_writers,
                   "connections writing batches at once: each sends its batch while the one before commits; "
                   "batches still commit in order")
      ->check(CLI::Range(1, 8));

  auto* learn = cli.add_subcommand(
      "learn",
      "Train the reciprocal model on the recorded outcomes (match_outcomes) now and store it as a new version; "
      "every serving node loads it within PM_MODEL_POLL_MS (docs/matching.md). Skipped below "
      "PM_LEARN_MIN_OUTCOMES.");
  learn->footer(Config::describe());

  auto* score = cli.add_subcommand(
      "score",
      "Score users given as JSON lines against a question bank with the server's code, optionally with the "
      "reciprocal model trained on outcomes (docs/offline-scoring.md).");
  app::ScoreOptions score_options;
  score->add_option("--bank", score_options.bank_file, "the question bank file, e.g. data/questions/perfect-match.json")
      ->required()
      ->check(CLI::ExistingFile);
  score->add_option("--users", score_options.users_file, "JSON-lines file, one user per line")
      ->required()
      ->check(CLI::ExistingFile);
  auto* score_top = score
                        ->add_option("--top", score_options.top,
                                     "print each user's best N candidates after the hard filters instead of every pair")
                        ->check(CLI::Range(1, 10000));
  score->add_option("--pairs", score_options.pairs_file, "JSON-lines file of {\"a\", \"b\"}: score exactly these pairs")
      ->check(CLI::ExistingFile)
      ->excludes(score_top);
  auto* score_outcomes =
      score
          ->add_option("--outcomes", score_options.outcomes_file,
                       "JSON-lines file of {\"a\", \"b\", \"liked\", \"time\"}: train the reciprocal model on them "
                       "and add p_a_likes_b, p_b_likes_a and mutual to each pair")
          ->check(CLI::ExistingFile);
  score->add_option("--model", score_options.model_in, "a model saved by --model-out, instead of --outcomes")
      ->check(CLI::ExistingFile)
      ->excludes(score_outcomes);
  score->add_option("--model-out", score_options.model_out, "save the trained model to this file");

  auto* simulate = cli.add_subcommand(
      "simulate",
      "Simulate demo people's likes, passes and replies (no database) and write them as JSON lines for "
      "`score --outcomes` (docs/demo-data.md).");
  app::SimulateOptions simulate_options;
  add_simulation_options(*simulate, simulate_options.simulation, 2);
  simulate->add_option("--out", simulate_options.out_file, "outcomes, one JSON line each")->required();
  simulate->add_option("--users-out", simulate_options.users_out_file, "the people as `score --users` lines");

  auto* evaluate = cli.add_subcommand(
      "evaluate",
      "Simulate outcomes, hold out 20% of the pairs, train the reciprocal model and report AUC and precision of "
      "questionnaire-only, calibrated cold-start, tendencies-only, factors and blended rankings "
      "(docs/matching-quality.md).");
  app::EvaluateOptions evaluate_options;
  add_simulation_options(*evaluate, evaluate_options.simulation, 20);
  evaluate->add_option("--out", evaluate_options.out_file, "write the report as JSON here too");
  evaluate
      ->add_option("--simulated-age-weight", evaluate_options.age_weight,
                   "how much the other's age in the chooser's stated range sways simulated decisions (per sd; the "
                   "demo's is 0)")
      ->check(CLI::Range(-5.0, 5.0))
      ->capture_default_str();
  auto& params = evaluate_options.params;
  evaluate->add_option("--factors", params.factors, "length of the taste and attraction vectors")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  evaluate->add_option("--epochs", params.epochs, "SGD passes")->check(CLI::Range(0, 1000))->capture_default_str();
  evaluate->add_option("--learning-rate", params.learning_rate, "SGD step")
      ->check(CLI::Range(0.0001, 10.0))
      ->capture_default_str();
  evaluate->add_option("--regularization", params.regularization, "L2 on the factors")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  // (more than none: with none, a user seen once, or never, divides 0 by 0)
  evaluate->add_option("--prior-strength", params.prior_strength, "Beta prior pseudo-decisions")
      ->check(CLI::Range(0.01, 10000.0))
      ->capture_default_str();

  auto* sandbox = cli.add_subcommand(
      "payments-sandbox",
      "Play the payment provider locally (Stripe's API and webhooks, a checkout page to click through) on "
      "PM_PAYMENTS_SANDBOX_PORT until SIGTERM/SIGINT; events go to PM_PAYMENTS_WEBHOOK_URL, signed with "
      "PM_STRIPE_WEBHOOK_SECRET (docs/subscriptions.md).");

  auto* loadtest = cli.add_subcommand(
      "loadtest-pairs",
      "FOR LOAD TESTS ONLY (bench/messaging.sh): create N pairs of users with an active match, an open "
      "conversation and a session token each, written as JSON lines; never on a production database.");
  int loadtest_count = 0;
  std::string loadtest_out;
  loadtest->add_option("--pairs", loadtest_count, "how many pairs (two users each)")
      ->required()
      ->check(CLI::Range(1, 1'000'000));
  loadtest
      ->add_option("--out", loadtest_out, "JSON-lines file of the pairs and their session tokens (created mode 0600)")
      ->required();

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
  if (*vapid) return app::make_vapid_key(vapid_out);
  if (*bounce) return app::record_bounce_report(std::move(config), std::cin, bounce_recipient);
  if (*grant) return app::grant_role(std::move(config), admin_email, admin_role);
  if (*grant_plan) return app::grant_plan(std::move(config), admin_email, admin_plan, admin_days);
  if (*flags) return app::list_flags(std::move(config), flags_mirror);
  if (*delete_accounts) return app::delete_accounts(std::move(config), deletions_file);
  if (*seed) return app::seed_demo(std::move(config), seed_users, seed_value, !seed_no_photos, seed_history);
  if (*import) return app::import_questions(std::move(config), bank_file);
  if (*worker) return app::run_worker(std::move(config), worker_once);
  if (*generate)
    return app::generate_all_matches(std::move(config), run_id, generate_jobs, generate_batch, generate_writers);
  if (*learn) return app::learn(std::move(config));
  if (*score) return app::score_users(config, score_options);
  if (*simulate) return app::simulate(simulate_options);
  if (*evaluate) return app::evaluate(evaluate_options);
  if (*sandbox) return subscriptions::run_payments_sandbox(config);
  if (*loadtest) return app::loadtest_pairs(std::move(config), loadtest_count, loadtest_out);
  return 2;
}
