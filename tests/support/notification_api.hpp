#pragma once
// A fixture for the Notification Service tests: a server on the real stores, users who sign up
// over HTTP, notifications recorded through the service the way other services record them
// (inside a transaction of their own), and helpers to read the list and the outbox.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notifications/model.hpp"
#include "support/accounts.hpp"

namespace pm::test {

class NotificationApi : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // removes the server's delivery folder

  TestUser user(const std::string& name);
  // Records in a committed transaction, as another service would.
  std::optional<nlohmann::json> record(const TestUser& u, notifications::Type type, const nlohmann::json& content);
  std::optional<nlohmann::json> record_coalesced(const TestUser& u, notifications::Type type, const std::string& group,
                                                 const nlohmann::json& content);
  // PUT /api/v1/me/preferences {"notification_settings": settings}.
  void set_notification_settings(const TestUser& u, const nlohmann::json& settings);

  HttpResult get(const TestUser& u, const std::string& path);
  HttpResult post(const TestUser& u, const std::string& path);
  // GET /api/v1/notifications<query>, expecting 200.
  nlohmann::json list(const TestUser& u, const std::string& query = "");
  // Every page of the list, following next_cursor.
  std::vector<nlohmann::json> all_pages(const TestUser& u, int limit, const std::string& extra = "");

  // Runs `sql` on the test database (e.g. to let time pass for a row: next_attempt_at = now()).
  void exec(const std::string& sql);
  // The first column of the first row of `sql` with one parameter (or none when empty).
  int count(const std::string& sql, const std::string& param = "");
  // How many deliveries by `channel` ("email", "push") `notification` has in the outbox.
  int deliveries(const nlohmann::json& notification, const std::string& channel);
  // outbox_id of every notification_outbox row, in creation order.
  std::vector<std::string> outbox_ids();
  // Delivery files (<id>.json) in `dir`, and whether any temporary file was left there.
  static std::vector<std::string> files_in(const std::string& dir);
  static bool temp_files_in(const std::string& dir);

  TestDatabase db_;
  std::unique_ptr<TestServer> server_;
};

}  // namespace pm::test
