#include <fstream>
#include <iostream>
#include <vector>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/actor.hpp"

namespace pm::app {

int grant_role(Config config, const std::string& email, const std::string& role_name) {
  std::optional<staff::Role> role;
  if (role_name != "none") {
    role = staff::role_from(role_name);
    if (!role) {
      std::cerr << "admin grant: ROLE must be moderator, admin or none\n";
      return 2;
    }
  }
  try {
    App app(std::move(config));
    auto user = app.staff.grant_role(email, role);
    app.close();
    if (!user) {
      std::cerr << "admin grant: " << user.error().detail << "\n";
      return 1;
    }
    std::cout << (role ? "granted " + role_name + " to " : "revoked the staff role of ") << "user " << *user << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "admin grant: " << e.what() << "\n";
    return 2;
  }
}

int grant_plan(Config config, const std::string& email, const std::string& plan_id, int days) {
  try {
    App app(std::move(config));
    auto s = app.staff.grant_plan_by_email(email, {.plan_id = plan_id, .days = days});
    app.close();
    if (!s) {
      std::cerr << "admin grant-plan: " << s.error().detail << "\n";
      return 1;
    }
    std::cout << "plan " << s->plan_id << " (" << s->status << ") until " << s->period_end.value_or("no end") << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "admin grant-plan: " << e.what() << "\n";
    return 2;
  }
}

int delete_accounts(Config config, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "admin delete-accounts: cannot read " << file << "\n";
    return 2;
  }
  std::vector<UserId> ids;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto id = UserId::parse(line);
    if (!id) {
      std::cerr << "admin delete-accounts: not a user id: " << line << "\n";
      return 2;
    }
    ids.push_back(*id);
  }
  try {
    App app(std::move(config));
    int deleted = 0, absent = 0, failed = 0;
    for (const auto& id : ids) {
      actor::Scope as_owner(actor::Scope::user(id));  // as the owner's own request (row-level security)
      if (auto found = app.profiles.me(id); !found && found.error().type == "not-found") {
        ++absent;
        continue;
      }
      if (auto done = app.profiles.delete_account(id, ""); done) {
        ++deleted;
      } else {
        ++failed;
        std::cerr << "admin delete-accounts: " << id.str() << ": " << done.error().detail << "\n";
      }
    }
    app.close();
    std::cout << "deleted " << deleted << " accounts (" << absent << " had none)\n";
    return failed ? 1 : 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "admin delete-accounts: " << e.what() << "\n";
    return 2;
  }
}

int list_flags(Config config, bool mirror) {
  try {
    App app(std::move(config));
    if (mirror) {
      auto written = app.flags.mirror_all();
      if (!written) {
        app.close();
        std::cerr << "admin flags: the Redis mirror was not written: " << written.error().detail << "\n";
        return 1;
      }
      std::cerr << "mirrored " << *written << " flags to Redis\n";
    }
    auto flags = app.flags.list();
    app.close();
    if (!flags) {
      std::cerr << "admin flags: " << flags.error().detail << "\n";
      return 1;
    }
    for (const auto& f : flags->flags) std::cout << f.to_json().dump() << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "admin flags: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pm::app
