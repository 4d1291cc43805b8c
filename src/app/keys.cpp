#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "notifications/push_crypto.hpp"

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

int make_vapid_key(const std::string& out_file) {
  const auto key = notifications::push::new_vapid_key();
  if (out_file.empty()) {
    std::cout << key.private_pem;
  } else {
    // O_EXCL: an existing key is never replaced (browsers subscribed with it would stop receiving).
    int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::cerr << "keys vapid: cannot create " << out_file << " (does it exist already?)\n";
      return 1;
    }
    bool ok =
        ::write(fd, key.private_pem.data(), key.private_pem.size()) == static_cast<ssize_t>(key.private_pem.size());
    ok = ::fsync(fd) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
      std::cerr << "keys vapid: cannot write " << out_file << "\n";
      return 1;
    }
    std::cout << "private key written to " << out_file << " (PM_VAPID_KEY_FILE)\n";
  }
  std::cout << "public key: " << key.public_key << "\n";
  return 0;
}

}  // namespace pm::app
