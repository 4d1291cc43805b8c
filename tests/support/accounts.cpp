#include "support/accounts.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "auth/repository.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"

namespace pm::test {

namespace fs = std::filesystem;

TestUser sign_up(TestServer& server, const std::string& email, const std::string& first_name, const std::string& gender,
                 const std::string& seeking) {
  TestUser user{.email = email, .password = "correct horse battery"};
  nlohmann::json body = {{"email", email},           {"password", user.password},  {"first_name", first_name},
                         {"last_name", "Lovelace"},  {"birth_date", "1990-12-10"}, {"gender", gender},
                         {"seeking_gender", seeking}};
  // From a client of its own: the per-client limits count in the Redis every test shares, and a
  // test that lowers one must not find it used up by the sign-ups of others.
  const Headers client = {{"X-Forwarded-For", unique_client_ip()}};
  auto res = server.request("POST", "/api/v1/auth/signup", body.dump(), client);
  EXPECT_EQ(res.status, 202) << res.body;
  // Sign-up answers the same for a new and a taken address; the session comes from signing in.
  auto in = server.request("POST", "/api/v1/auth/login",
                           nlohmann::json{{"email", email}, {"password", user.password}}.dump(), client);
  EXPECT_EQ(in.status, 200) << in.body;
  if (in.status == 200) {
    user.user_id = in.json()["user"]["user_id"];
    user.token = in.json()["token"];
  }
  return user;
}

void prove_address(TestServer& server, const TestUser& user) {
  auto proven = db::transact(server.app().db, [&](pqxx::work& tx) -> Result<bool> {
    db::AsSystem system(tx);
    auth::repository::mark_email_verified(tx, user.id());
    return true;
  });
  EXPECT_TRUE(proven.has_value());
}

std::string unique_client_ip() {
  auto r = crypto::random_hex(4);
  // The IPv6 documentation range: a label, never an address traffic goes to. Limits count an IPv6
  // client by its /64, so each test client gets a /64 of its own.
  return "2001:db8:" + r.substr(0, 4) + ":" + r.substr(4, 4) + "::1";
}

std::string unique_email(const std::string& who) { return who + "-" + crypto::random_hex(5) + "@example.test"; }

namespace {
std::vector<std::string> mails_to(const std::string& dir, const std::string& to) {
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("To: <" + to + ">") != std::string::npos)
      found.emplace_back(entry.last_write_time(), text.str());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [t, text] : found) out.push_back(std::move(text));
  return out;
}
}  // namespace

std::string wait_for_mail(const std::string& mail_dir, const std::string& to, std::size_t at_least) {
  for (int i = 0; i < 200; ++i) {
    auto mails = mails_to(mail_dir, to);
    if (mails.size() >= at_least) return mails.back();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

std::string token_in(const std::string& mail) {
  auto at = mail.find("Token: ");
  if (at == std::string::npos) return {};
  auto end = mail.find_first_of("\r\n", at);
  return mail.substr(at + 7, end - at - 7);
}

std::string birth_date_aged(int years) {
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(Clock::now())};
  auto birth = today - std::chrono::years(years);
  // Born on 29 February, in a year without one: counted from the 28th.
  if (!birth.ok()) birth = birth.year() / birth.month() / std::chrono::day(28);
  return format_date(birth);
}

}  // namespace pm::test
