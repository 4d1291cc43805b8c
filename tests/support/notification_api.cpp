#include "support/notification_api.hpp"

#include <algorithm>
#include <filesystem>

#include "db/transaction.hpp"

namespace pm::test {

using Json = nlohmann::json;
namespace fs = std::filesystem;

void NotificationApi::SetUp() { server_ = std::make_unique<TestServer>(test_config(db_)); }

void NotificationApi::TearDown() {
  const auto dir = server_->app().config.notification_dir;
  server_.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TestUser NotificationApi::user(const std::string& name) {
  auto u = sign_up(*server_, unique_email(name), name);
  prove_address(*server_, u);  // as most people's: their mail is delivered
  return u;
}

std::optional<Json> NotificationApi::record(const TestUser& u, notifications::Type type, const Json& content) {
  auto& app = server_->app();
  auto r = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::optional<Json>> {
    return app.notifications.record(tx, u.id(), type, content);
  });
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  return r ? *r : std::nullopt;
}

std::optional<Json> NotificationApi::record_coalesced(const TestUser& u, notifications::Type type,
                                                      const std::string& group, const Json& content) {
  auto& app = server_->app();
  auto r = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::optional<Json>> {
    return app.notifications.record_coalesced(tx, u.id(), type, group, content);
  });
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  return r ? *r : std::nullopt;
}

void NotificationApi::set_notification_settings(const TestUser& u, const Json& settings) {
  auto res =
      server_->request("PUT", "/api/v1/me/preferences", Json{{"notification_settings", settings}}.dump(), u.auth());
  ASSERT_EQ(res.status, 200) << res.body;
}

HttpResult NotificationApi::get(const TestUser& u, const std::string& path) {
  return server_->request("GET", path, "", u.auth());
}

HttpResult NotificationApi::post(const TestUser& u, const std::string& path) {
  return server_->request("POST", path, "", u.auth());
}

Json NotificationApi::list(const TestUser& u, const std::string& query) {
  auto res = get(u, "/api/v1/notifications" + query);
  EXPECT_EQ(res.status, 200) << res.body;
  return res.status == 200 ? res.json() : Json::object();
}

std::vector<Json> NotificationApi::all_pages(const TestUser& u, int limit, const std::string& extra) {
  std::vector<Json> out;
  std::string query = "?limit=" + std::to_string(limit) + extra;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = list(u, query);
    for (const auto& n : page.value("notifications", Json::array())) out.push_back(n);
    EXPECT_LE(page.value("notifications", Json::array()).size(), static_cast<std::size_t>(limit));
    if (!page.contains("next_cursor") || page["next_cursor"].is_null()) break;
    query = "?limit=" + std::to_string(limit) + extra + "&cursor=" + page["next_cursor"].get<std::string>();
  }
  return out;
}

void NotificationApi::exec(const std::string& sql) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  q.exec(sql);
}

int NotificationApi::count(const std::string& sql, const std::string& param) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  return param.empty() ? q.exec1(sql)[0].as<int>() : q.exec_params1(sql, param)[0].as<int>();
}

int NotificationApi::deliveries(const Json& notification, const std::string& channel) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  return q
      .exec_params1("SELECT count(*) FROM notification_outbox WHERE notification_id = $1 AND channel = $2",
                    notification["notification_id"].get<std::string>(), channel)[0]
      .as<int>();
}

std::vector<std::string> NotificationApi::outbox_ids() {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  std::vector<std::string> out;
  for (const auto& r : q.exec("SELECT outbox_id FROM notification_outbox ORDER BY created_at, outbox_id"))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<std::string> NotificationApi::files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.ends_with(".json") && !name.starts_with(".")) out.push_back(name.substr(0, name.size() - 5));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool NotificationApi::temp_files_in(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().starts_with(".")) return true;
  return false;
}

}  // namespace pm::test
