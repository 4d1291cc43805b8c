#include <iostream>

#include "app/app.hpp"
#include "app/commands.hpp"

namespace pm::app {

int rotate_keys(Config config) {
  try {
    App app(std::move(config));
    auto users = app.auth.rotate_keys();
    if (!users) {
      std::cerr << "keys rotate: " << users.error().detail << "\n";
      return 1;
    }
    auto mails = app.email_outbox.rotate_keys();
    if (!mails) {
      std::cerr << "keys rotate: " << mails.error().detail << "\n";
      return 1;
    }
    std::cout << "re-encrypted under key '" << app.cipher.active_key_id() << "': " << *users << " users, " << *mails
              << " queued mails\n";
    app.close();
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "keys rotate: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pm::app
