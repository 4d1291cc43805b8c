#include <iostream>

#include "app/app.hpp"
#include "app/commands.hpp"

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
