// The perfectmatch binary as an operator runs it.

#include <signal.h>

#include <cstdio>
#include <sstream>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "support/http_client.hpp"
#include "support/processes.hpp"
#include "support/stack.hpp"

using namespace pm;

namespace {
std::string run(const std::string& cmd) { return test::run_command(cmd).output; }
}  // namespace

TEST(Binary, HelpExplainsSubcommandsAndEnvironment) {
  auto help = run(test::binary_path() + " --help");
  for (const char* word : {"serve", "migrate", "PM_DATABASE_URL", "PM_REDIS_URL", "PM_HTTP_PORT"})
    EXPECT_NE(help.find(word), std::string::npos) << word << " missing from --help:\n" << help;
  auto migrate = run(test::binary_path() + " migrate --help");
  for (const char* word : {"up", "down", "status"}) EXPECT_NE(migrate.find(word), std::string::npos) << word;
  auto down = run(test::binary_path() + " migrate down --help");
  EXPECT_NE(down.find("--all"), std::string::npos);
}

TEST(Binary, InvalidConfigurationExitsWithAClearMessage) {
  auto out = run("PM_HTTP_PORT=notaport " + test::binary_path() + " serve");
  EXPECT_NE(out.find("PM_HTTP_PORT has an invalid value"), std::string::npos) << out;
}

TEST(Binary, ServeLogsJsonLinesAndStopsCleanlyOnSigterm) {
  test::TestDatabase db;
  auto port = test::free_port();
  std::string log = ::testing::TempDir() + "pm-serve-" + std::to_string(port) + ".log";
  test::Process serve({test::binary_path(), "serve", "--port", std::to_string(port)},
                      {{"PM_DATABASE_URL", db.app_url()},
                       {"PM_REDIS_URL", test::redis_url()},
                       {"PM_PII_KEYS", "b1:" + crypto::random_hex(32)},
                       {"PM_BLIND_INDEX_KEY", crypto::random_hex(32)}},
                      log);
  ASSERT_TRUE(test::wait_for_port(port, 10000));
  auto res = test::http(port, "GET", "/readyz", "", {{"X-Request-Id", "binary-test-1"}});
  EXPECT_EQ(res.status, 200) << res.body;

  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(15000), 0) << "serve exits 0 after SIGTERM";

  auto lines = run("cat " + log);
  bool found = false;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);  // every line is one JSON object
    if (j.value("request_id", "") == "binary-test-1") {
      found = true;
      EXPECT_EQ(j["method"], "GET");
      EXPECT_EQ(j["route"], "/readyz");
      EXPECT_EQ(j["status"], 200);
      EXPECT_TRUE(j.contains("latency_ms"));
    }
  }
  EXPECT_TRUE(found) << lines;
  // The password of the role the server connects as (PM_DATABASE_URL above).
  const std::string url = db.app_url();
  auto at = url.find("password='");
  ASSERT_NE(at, std::string::npos);
  auto password = url.substr(at + 10, url.find('\'', at + 10) - at - 10);
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(lines.find(password), std::string::npos) << "the database password is never logged";
  std::remove(log.c_str());
}

TEST(Binary, MadeUpUsersGoOnlyWhereDemoDataIsAllowed) {
  test::TestDatabase db;
  auto env = test::process_env(test::test_config(db));
  const std::string out_file = ::testing::TempDir() + "pm-loadtest-" + crypto::random_hex(4) + ".jsonl";
  for (const std::string& command :
       std::vector<std::string>{" seed --users 2 --no-photos", " loadtest-pairs --pairs 1 --out " + out_file}) {
    // (./pm test runs with the local stack's PM_DEMO_DATA=true in its environment: said explicitly here.)
    auto refused = test::run_command("PM_DEMO_DATA=false " + env + test::binary_path() + command);
    EXPECT_NE(refused.exit_code, 0) << command;
    EXPECT_NE(refused.output.find("refused: made-up users would be matched with real people"), std::string::npos)
        << refused.output;
  }
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec1("SELECT count(*) FROM users")[0].as<int>(), 0) << "no user was written";
  std::remove(out_file.c_str());
}
