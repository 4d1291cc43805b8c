#include <iostream>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/progress.hpp"
#include "demo/seeder.hpp"

namespace pm::app {

bool demo_data_allowed(const Config& config, std::string_view command) {
  if (config.demo_data) return true;
  std::cerr << command
            << ": refused: made-up users would be matched with real people. This is for the local stack and demo "
               "deployments, which set PM_DEMO_DATA=true (./pm stack up writes it to var/stack.env).\n";
  return false;
}

int seed_demo(Config config, int users, std::uint64_t seed, bool photos, int history) {
  if (!demo_data_allowed(config, "seed")) return 2;
  try {
    App app(std::move(config));
    auto seeder = demo::Seeder::open({.db = app.db,
                                      .cipher = app.cipher,
                                      .email_index = app.email_index,
                                      .hasher = app.hasher,
                                      .photos = app.photos,
                                      .bank_key = app.config.question_bank,
                                      .account_created = app.account_created});
    if (!seeder) {
      std::cerr << "seed: " << seeder.error().detail << "\n";
      app.close();
      return 1;
    }
    std::cerr << "seeding " << users << " demo users (seed " << seed << (photos ? "" : ", no photos")
              << ") answering \"" << seeder->bank().key << "\" " << seeder->bank().version << "\n";
    Result<demo::SeedReport> report;
    const demo::SeedOptions options{.users = users, .seed = seed, .photos = photos, .history_pairs_per_user = history};
    {
      ProgressBar bar("seeding users", users);
      report = seeder->run(options, &bar);
    }
    if (!report) {
      app.close();
      std::cerr << "seed: " << report.error().detail << "\n";
      return 1;
    }
    // Their simulated likes, passes and replies: outcomes a model can be trained on.
    auto past = seeder->history(options);
    app.close();
    if (!past) {
      std::cerr << "seed: history: " << past.error().detail << "\n";
      return 1;
    }
    std::cout << "history: " << past->matches << " pairs shown, " << past->outcomes
              << " outcomes (train a model with `perfectmatch learn`)\n";
    std::cout << "demo users: " << report->created << " created (" << report->premium << " premium, " << report->clones
              << " with answers cloned from an earlier user, " << report->photos << " photos), " << report->existing
              << " already there\n"
              << "sign in as demo1@demo.perfectmatch.test ... demo" << users
              << "@demo.perfectmatch.test with the password " << demo::kDemoPassword << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "seed: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pm::app
