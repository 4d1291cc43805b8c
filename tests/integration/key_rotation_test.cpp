// Rotating the PII key: values written with the old key are re-encrypted under the new one, and
// the service keeps working once the old key is gone.

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "support/accounts.hpp"

using namespace pm;

TEST(KeyRotation, OldValuesMoveToTheNewKeyAndTheOldKeyCanGo) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  const auto old_key = "old:" + crypto::random_hex(32);
  const auto new_key = "new:" + crypto::random_hex(32);
  config.pii_keys = old_key;
  std::string email;
  {
    test::TestServer server(config);
    email = test::unique_email("rotating");
    test::sign_up(server, email);
  }
  auto count_with = [&](const std::string& kid) {
    auto conn = db.connect();
    pqxx::nontransaction q(conn);
    return q
        .exec_params1("SELECT count(*) FROM users WHERE email LIKE $1 AND last_name LIKE $1", "pm1." + kid + ".%")[0]
        .as<int>();
  };
  EXPECT_EQ(count_with("old"), 1);

  config.pii_keys = old_key + "," + new_key;
  config.pii_active_key = "new";
  {
    app::App app(config);
    auto rotated = app.auth.rotate_keys();
    ASSERT_TRUE(rotated) << rotated.error().detail;
    EXPECT_EQ(*rotated, 1);
    EXPECT_EQ(*app.auth.rotate_keys(), 0) << "a second run finds nothing left";
    app.close();
  }
  EXPECT_EQ(count_with("new"), 1);
  {
    // Each run is in the audit log: the key it rotated to and how many users it re-encrypted.
    auto conn = db.connect();
    pqxx::nontransaction q(conn);
    auto runs = q.exec(
        "SELECT details->>'active_key', details->>'users_reencrypted' FROM audit_log WHERE event = 'key_rotation' "
        "ORDER BY audit_id");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0][0].as<std::string>(), "new");
    EXPECT_EQ(runs[0][1].as<std::string>(), "1");
    EXPECT_EQ(runs[1][1].as<std::string>(), "0");
  }

  config.pii_keys = new_key;  // the old key is retired
  config.pii_active_key = "";
  test::TestServer server(config);
  auto login = server.request("POST", "/api/v1/auth/login",
                              nlohmann::json{{"email", email}, {"password", "correct horse battery"}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  auto me = server.request("GET", "/api/v1/me", "",
                           {{"Authorization", "Bearer " + login.json()["token"].get<std::string>()}});
  EXPECT_EQ(me.json()["email"], email);
  EXPECT_EQ(me.json()["last_name"], "Lovelace");
}
