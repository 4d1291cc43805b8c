// perfectmatch simulate / evaluate: the behaviour simulator's outcomes as JSON lines, and the
// evaluation of the reciprocal model on them (docs/matching-quality.md). No database: the demo
// people are drawn in memory from the seed and the bank file.

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/bank_file.hpp"
#include "app/commands.hpp"
#include "demo/simulator.hpp"
#include "matching/learning/evaluation.hpp"

namespace pm::app {

namespace {

std::chrono::year_month_day day_of(std::int64_t unix_seconds) {
  return std::chrono::year_month_day{
      std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(unix_seconds)))};
}

// The bank file's bank, or nullptr after saying why on stderr.
std::shared_ptr<const matching::ScoringBank> bank_of(const char* command, const Simulation& simulation) {
  auto bank = load_bank_file(simulation.bank_file);
  if (bank) return *bank;
  std::cerr << command << ": " << bank.error().detail << "\n";
  return nullptr;
}

// Whether `out` took everything written to it; if not, says so on stderr.
bool written(const char* command, const std::ofstream& out, const std::string& file) {
  if (!out) std::cerr << command << ": " << file << ": cannot be written\n";
  return static_cast<bool>(out);
}

Json outcome_line(const matching::learning::Outcome& o) {
  Json line = {{"a", o.a}, {"b", o.b}, {"liked", o.liked}, {"time", o.at}};
  if (o.weight != 1) line["weight"] = o.weight;
  return line;
}

}  // namespace

int simulate(const SimulateOptions& options) {
  auto bank = bank_of("simulate", options.simulation);
  if (!bank) return 1;
  const auto& sim = options.simulation.options;
  auto people = demo::simulate_people(*bank, sim, day_of(sim.start));
  auto outcomes = demo::simulate_outcomes(*bank, people, sim);
  std::ofstream out(options.out_file, std::ios::trunc);
  for (const auto& o : outcomes) out << outcome_line(o).dump() << "\n";
  if (!options.users_out_file.empty()) {
    std::ofstream users(options.users_out_file, std::ios::trunc);
    for (const auto& p : people) users << demo::offline_user_line(*bank, p, sim.seed).dump() << "\n";
    if (!written("simulate", users, options.users_out_file)) return 1;
  }
  if (!written("simulate", out, options.out_file)) return 1;
  std::cerr << fmt::format("simulate: {} people, {} outcomes\n", people.size(), outcomes.size());
  return 0;
}

int evaluate(const EvaluateOptions& options) {
  auto bank = bank_of("evaluate", options.simulation);
  if (!bank) return 1;
  const auto started = std::chrono::steady_clock::now();
  const auto& sim = options.simulation.options;
  auto people = demo::simulate_people(*bank, sim, day_of(sim.start));
  auto outcomes = demo::simulate_outcomes(*bank, people, sim, {.age_fit = options.age_weight});
  auto features = demo::pair_features_of(*bank, people);
  const double simulated_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << fmt::format("evaluate: {} people, {} outcomes simulated in {:.1f} s\n", people.size(), outcomes.size(),
                           simulated_s);

  Json splits = Json::object();
  for (auto split : {matching::learning::Split::random, matching::learning::Split::time}) {
    const char* name = split == matching::learning::Split::random ? "random" : "time";
    auto report = matching::learning::evaluate(outcomes, features,
                                               {.holdout = options.holdout, .split = split, .params = options.params});
    std::cout << fmt::format(
        "\n{} 20% of pairs held out: {} train outcomes, {} held-out decisions (like rate {:.3f}), "
        "{} pairs both decided (mutual rate {:.3f})\n",
        name, report.train_outcomes, report.test_decisions, report.test_like_rate, report.test_pairs_both_decided,
        report.test_mutual_rate);
    std::cout << fmt::format("| {:<30} | {:>8} | {:>10} | {:>12} | {:>9} |\n", "ranking", "AUC like", "AUC mutual",
                             "precision@5", "train s");
    for (const auto& r : report.rankings)
      std::cout << fmt::format("| {:<30} | {:>8.3f} | {:>10.3f} | {:>12.3f} | {:>9.1f} |\n", r.name, r.auc_like,
                               r.auc_mutual, r.precision, r.train_seconds);
    if (report.cold_start) {
      std::cout << "cold-start weights (the blended model's):\n";
      for (const auto& line : report.cold_start->describe()) std::cout << "  " << line << "\n";
    }
    splits[name] = report.to_json();
  }
  if (!options.out_file.empty()) {
    Json doc = {
        {"command", fmt::format("perfectmatch evaluate --bank {} --users {} --seed {} --pairs-per-user {}{}",
                                options.simulation.bank_file, sim.users, sim.seed, sim.pairs_per_user,
                                options.age_weight != 0 ? fmt::format(" --simulated-age-weight {}", options.age_weight)
                                                        : std::string())},
        {"users", people.size()},
        {"outcomes", outcomes.size()},
        {"simulation_seconds", simulated_s},
        {"params", options.params.to_json()},
        {"splits", splits}};
    std::ofstream out(options.out_file, std::ios::trunc);
    out << doc.dump(2) << "\n";
    if (!written("evaluate", out, options.out_file)) return 1;
  }
  return 0;
}

}  // namespace pm::app
