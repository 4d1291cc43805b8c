#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/progress.hpp"
#include "demo/loadtest.hpp"

namespace pm::app {

int loadtest_pairs(Config config, int pairs, const std::string& out_file) {
  if (!demo_data_allowed(config, "loadtest-pairs")) return 2;
  try {
    // The file holds live session tokens: readable by its owner only, before anything is written.
    std::ofstream out(out_file, std::ios::trunc);
    if (!out) {
      std::cerr << "loadtest-pairs: cannot write " << out_file << "\n";
      return 1;
    }
    std::filesystem::permissions(out_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    App app(std::move(config));
    Result<int> created;
    {
      ProgressBar bar("creating load-test pairs", pairs);
      created = demo::create_loadtest_pairs(
          {.db = app.db,
           .cipher = app.cipher,
           .email_index = app.email_index,
           .hasher = app.hasher,
           .sessions = app.sessions,
           .account_created = app.account_created},
          {.pairs = pairs}, [&](const demo::LoadtestPair& p) { out << p.to_json().dump() << '\n'; }, &bar);
    }
    app.close();
    out.close();
    if (!created) {
      std::cerr << "loadtest-pairs: " << created.error().detail << "\n";
      return 1;
    }
    if (!out) {
      std::cerr << "loadtest-pairs: writing " << out_file << " failed\n";
      return 1;
    }
    std::cout << "load-test pairs: " << *created << " (" << 2 * *created << " users with sessions) written to "
              << out_file << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "loadtest-pairs: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pm::app
