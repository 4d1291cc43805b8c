// Mail over SMTP (PM_SMTP_*, src/mail/smtp_sender.hpp) against a real local SMTP server
// (tests/smtp/smtp_server.py, Debian's aiosmtpd) with a throwaway CA made by openssl: delivery as
// a mail program reads it, STARTTLS and implicit TLS, a certificate from another authority
// refused, a wrong password, a 4xx then success, a 5xx recipient (a bounce, never retried), a
// worker killed between sending and recording (no second mail), one connection per batch, DKIM
// verified by dkimpy, and the one-click unsubscribe of notification mails.

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "app/commands.hpp"
#include "db/transaction.hpp"
#include "mail/templates.hpp"
#include "notifications/model.hpp"
#include "support/accounts.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

using namespace pm;
using nlohmann::json;
using test::SmtpServer;
using test::SmtpServerOptions;

namespace {

constexpr const char* kFrom = "Perfect Match <no-reply@mail.pm.test>";

class SmtpDelivery : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    for (const char* name :
         {"PM_SMTP_URL", "PM_SMTP_USER", "PM_SMTP_PASSWORD", "PM_SMTP_FROM", "PM_SMTP_CA_FILE", "PM_SMTP_TIMEOUT_MS",
          "PM_DKIM_SELECTOR", "PM_DKIM_DOMAIN", "PM_DKIM_KEY_FILE", "PM_SMTP_BOUNCE_DOMAIN"})
      unsetenv(name);
  }

  // The app with these PM_SMTP_* / PM_DKIM_* settings; its own delivery thread is stopped, so the
  // test says when a batch goes.
  test::TestServer& serve(const std::map<std::string, std::string>& env) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    setenv("PM_SMTP_FROM", kFrom, 1);
    setenv("PM_SMTP_TIMEOUT_MS", "10000", 1);
    server_ = std::make_unique<test::TestServer>(config_);
    server_->app().email_outbox.stop();
    return *server_;
  }

  std::string smtp_url(const char* scheme, const SmtpServer& smtp) {
    return std::string(scheme) + "://localhost:" + std::to_string(smtp.port());
  }

  int deliver() {
    auto n = server_->app().email_outbox.deliver_pending(50);
    EXPECT_TRUE(n.has_value());
    return n ? *n : -1;
  }

  // Queues a mail to `to` for the account `user_id` (as the services do, in a transaction).
  void queue(const std::string& user_id, const std::string& to, const std::string& words = "a test") {
    auto r = db::transact(server_->app().db, [&](pqxx::work& tx) -> Result<bool> {
      server_->app().email_outbox.enqueue(
          tx, UserId(user_id), to,
          mail::account_message({.public_url = "https://pm.test"}, "en", "Ada", "Hello", words));
      return true;
    });
    ASSERT_TRUE(r.has_value());
  }

  // The outbox row of the newest mail to `user_id`.
  pqxx::row newest_row(const std::string& user_id) {
    auto conn = db_.connect();
    pqxx::nontransaction tx(conn);
    return tx.exec_params1(
        "SELECT attempts, sent_at IS NOT NULL AS sent, failed_at IS NOT NULL AS failed, sending_since IS NOT NULL "
        "AS started, coalesce(last_error, '') AS last_error FROM email_outbox WHERE user_id = $1 "
        "ORDER BY created_at DESC LIMIT 1",
        user_id);
  }

  void make_all_due() {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec("UPDATE email_outbox SET next_attempt_at = now()");
  }

  // A received mail read the way a mail program reads it (tests/smtp/read_mail.py).
  json read(const test::ReceivedMail& mail, const std::string& dkim_public = "") {
    const auto file = dir_.path / ("read-" + std::to_string(reads_++) + ".eml");
    std::ofstream(file, std::ios::binary) << mail.raw;
    std::string cmd = "/usr/bin/python3 " + test::shell_quote(std::string(PM_SOURCE_DIR) + "/tests/smtp/read_mail.py") +
                      " " + test::shell_quote(file.string());
    if (!dkim_public.empty()) cmd += " --dkim-public " + test::shell_quote(dkim_public);
    auto r = test::run_command(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output);
  }

  test::TempDir dir_{"pm-smtp"};
  test::TestDatabase db_;
  Config config_ = test::test_config(db_);
  std::unique_ptr<test::TestServer> server_;
  int reads_ = 0;
};

std::set<int> connections(const std::vector<test::ReceivedMail>& mails) {
  std::set<int> ports;
  for (const auto& m : mails) ports.insert(m.meta["client_port"].get<int>());
  return ports;
}

}  // namespace

TEST_F(SmtpDelivery, AVerificationMailArrivesOverStartTlsWithItsHeadersAndBothParts) {
  test::TestCertificates certs(dir_.path / "certs");
  SmtpServer smtp(dir_.path / "smtp", {.tls = "starttls", .auth = "pm:s3cret"}, &certs);
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)},
                        {"PM_SMTP_CA_FILE", certs.ca_file},
                        {"PM_SMTP_USER", "pm"},
                        {"PM_SMTP_PASSWORD", "s3cret"}});
  const auto email = test::unique_email("ada");
  // Whoever signs up chooses the address and the name: the name must not reach a stranger's inbox.
  auto ada = test::sign_up(server, email, "there! Your account is locked, restore it at https://evil.example/pm");
  EXPECT_EQ(deliver(), 1);

  auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].meta["tls"], true) << "STARTTLS was used";
  EXPECT_EQ(mails[0].meta["authenticated"], true);
  EXPECT_EQ(mails[0].meta["mail_from"], "no-reply@mail.pm.test");
  EXPECT_EQ(mails[0].meta["rcpt_tos"], json::array({email}));
  auto m = read(mails[0]);
  EXPECT_EQ(m["content_type"], "multipart/alternative");
  EXPECT_EQ(m["headers"]["From"], kFrom);
  EXPECT_EQ(m["headers"]["To"], email);
  EXPECT_EQ(m["headers"]["Subject"], "Confirm your email for Perfect Match");
  EXPECT_FALSE(m["headers"].value("Date", "").empty());
  EXPECT_TRUE(m["headers"].value("Message-ID", "").ends_with("@mail.pm.test>")) << m["headers"];
  EXPECT_FALSE(m["headers"].contains("List-Unsubscribe")) << "only notification mails can be unsubscribed from";
  const std::string text = m["text"];
  const std::string html = m["html"];
  const std::string link = config_.public_url + "/verify-email?token=" + test::token_in(text);
  EXPECT_NE(text.find("Hello,"), std::string::npos) << text;
  EXPECT_EQ(text.find("evil.example"), std::string::npos) << "a name is not a message: " << text;
  EXPECT_EQ(html.find("evil.example"), std::string::npos) << html;
  EXPECT_NE(text.find(link), std::string::npos) << text;
  EXPECT_NE(html.find("<a href=\"" + link + "\">"), std::string::npos) << html;
  EXPECT_NE(html.find("Perfect Match"), std::string::npos);
  EXPECT_TRUE(newest_row(ada.user_id)["sent"].as<bool>());
}

TEST_F(SmtpDelivery, ImplicitTlsCarriesABatchOverOneConnection) {
  test::TestCertificates certs(dir_.path / "certs");
  SmtpServer smtp(dir_.path / "smtp", {.tls = "implicit", .auth = "pm:s3cret"}, &certs);
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtps", smtp)},
                        {"PM_SMTP_CA_FILE", certs.ca_file},
                        {"PM_SMTP_USER", "pm"},
                        {"PM_SMTP_PASSWORD", "s3cret"}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  queue(ada.user_id, ada.email, "second");
  queue(ada.user_id, ada.email, "third");
  EXPECT_EQ(deliver(), 3);

  auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 3u);
  for (const auto& m : mails) EXPECT_EQ(m.meta["tls"], true);
  EXPECT_EQ(connections(mails).size(), 1u) << "one connection for the batch";
  EXPECT_EQ(server.app().email_outbox.counts().sent, 3u);
}

TEST_F(SmtpDelivery, ACertificateFromAnotherAuthorityIsRefusedAndTheMailWaits) {
  test::TestCertificates served(dir_.path / "served");
  test::TestCertificates trusted(dir_.path / "trusted");  // another CA altogether
  SmtpServer smtp(dir_.path / "smtp", {.tls = "starttls"}, &served);
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}, {"PM_SMTP_CA_FILE", trusted.ca_file}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  EXPECT_EQ(deliver(), 0);

  EXPECT_TRUE(smtp.mails().empty()) << "nothing went to a server whose certificate did not verify";
  auto row = newest_row(ada.user_id);
  EXPECT_FALSE(row["sent"].as<bool>());
  EXPECT_FALSE(row["failed"].as<bool>()) << "temporary: it is tried again";
  EXPECT_FALSE(row["started"].as<bool>());
  EXPECT_NE(row["last_error"].as<std::string>().find("certificate"), std::string::npos) << row["last_error"];
  EXPECT_EQ(server.app().email_outbox.counts().retried, 1u);
}

TEST_F(SmtpDelivery, AWrongPasswordKeepsTheMailForLaterInsteadOfFailingIt) {
  test::TestCertificates certs(dir_.path / "certs");
  SmtpServer smtp(dir_.path / "smtp", {.tls = "starttls", .auth = "pm:s3cret"}, &certs);
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)},
                        {"PM_SMTP_CA_FILE", certs.ca_file},
                        {"PM_SMTP_USER", "pm"},
                        {"PM_SMTP_PASSWORD", "wrong"}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  EXPECT_EQ(deliver(), 0);

  EXPECT_TRUE(smtp.mails().empty());
  auto row = newest_row(ada.user_id);
  EXPECT_FALSE(row["sent"].as<bool>());
  EXPECT_FALSE(row["failed"].as<bool>());
  EXPECT_NE(row["last_error"].as<std::string>().find("535"), std::string::npos) << row["last_error"];
}

TEST_F(SmtpDelivery, ATemporaryRefusalIsRetriedAndThenDelivered) {
  SmtpServer smtp(dir_.path / "smtp", {.tempfail_data = 1});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}});  // plain: a loopback relay
  auto ada = test::sign_up(server, test::unique_email("ada"));
  EXPECT_EQ(deliver(), 0);
  EXPECT_TRUE(smtp.mails().empty());
  auto row = newest_row(ada.user_id);
  EXPECT_NE(row["last_error"].as<std::string>().find("451"), std::string::npos) << row["last_error"];
  EXPECT_EQ(deliver(), 0) << "not due again before its backoff";

  make_all_due();
  EXPECT_EQ(deliver(), 1);
  ASSERT_EQ(smtp.mails().size(), 1u);
  row = newest_row(ada.user_id);
  EXPECT_TRUE(row["sent"].as<bool>());
  EXPECT_EQ(row["attempts"].as<int>(), 2);
  auto counts = server.app().email_outbox.counts();
  EXPECT_EQ(counts.retried, 1u);
  EXPECT_EQ(counts.sent, 1u);
}

// The backoff's 30 s * 2^(attempts - 1) passed what an interval holds at the 40th attempt (a
// relay refusing for about a day and a half): the update failed, and the mail stayed "being sent",
// never tried again nor failed. Now the backoff stays at its hour, and after 5 days of temporary
// refusals the mail fails, as a mail server gives up.
TEST_F(SmtpDelivery, AMailRefusedForDaysBacksOffAnHourAtMostAndThenFails) {
  SmtpServer smtp(dir_.path / "smtp", {.tempfail_data = 1000});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto conn = db_.connect();
  pqxx::nontransaction sql(conn);
  sql.exec_params("UPDATE email_outbox SET attempts = 45, created_at = now() - interval '2 days' WHERE user_id = $1",
                  ada.user_id);
  EXPECT_EQ(deliver(), 0);
  auto row = newest_row(ada.user_id);
  EXPECT_FALSE(row["started"].as<bool>()) << "the outcome was recorded: " << row["last_error"];
  EXPECT_FALSE(row["failed"].as<bool>());
  EXPECT_EQ(row["attempts"].as<int>(), 46);
  EXPECT_TRUE(sql.exec_params1("SELECT next_attempt_at BETWEEN now() + interval '59 minutes' AND now() + interval "
                               "'61 minutes' FROM email_outbox WHERE user_id = $1",
                               ada.user_id)[0]
                  .as<bool>())
      << "due again in an hour";

  queue(ada.user_id, ada.email, "a second mail");  // refused as long: the round stops after the first
  sql.exec_params("UPDATE email_outbox SET created_at = now() - interval '5 days 1 minute' WHERE user_id = $1",
                  ada.user_id);
  make_all_due();
  sql.exec("UPDATE email_outbox SET next_attempt_at = now() - interval '1 minute' WHERE attempts > 0");  // first
  EXPECT_EQ(deliver(), 0);
  EXPECT_EQ(sql.exec_params1("SELECT count(*) FROM email_outbox WHERE user_id = $1 AND attempts = 0", ada.user_id)[0]
                .as<int>(),
            1)
      << "a relay refusing for days costs one attempt a round, not one per waiting mail";
  sql.exec_params("DELETE FROM email_outbox WHERE user_id = $1 AND attempts = 0", ada.user_id);
  row = newest_row(ada.user_id);
  EXPECT_TRUE(row["failed"].as<bool>());
  EXPECT_NE(row["last_error"].as<std::string>().find("given up after 5 days"), std::string::npos) << row["last_error"];
  EXPECT_EQ(server.app().email_outbox.counts().failed, 1u);
  make_all_due();
  EXPECT_EQ(deliver(), 0);
  EXPECT_EQ(newest_row(ada.user_id)["attempts"].as<int>(), 47) << "a failed mail is not tried again";
}

TEST_F(SmtpDelivery, ARecipientRefusedWithA5xxIsABounceNeverTriedAgain) {
  const auto email = test::unique_email("gone");
  SmtpServer smtp(dir_.path / "smtp", {.reject_rcpt = email});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}});
  auto ada = test::sign_up(server, email);
  EXPECT_EQ(deliver(), 0);
  auto row = newest_row(ada.user_id);
  EXPECT_TRUE(row["failed"].as<bool>());
  EXPECT_NE(row["last_error"].as<std::string>().find("550"), std::string::npos) << row["last_error"];
  {
    auto conn = db_.connect();
    EXPECT_EQ(pqxx::nontransaction(conn).exec1("SELECT count(*) FROM email_bounces")[0].as<int>(), 1);
  }

  // Never again: neither the failed mail nor a new one to the bounced address.
  make_all_due();
  queue(ada.user_id, email, "another");
  EXPECT_EQ(deliver(), 0);
  EXPECT_TRUE(smtp.mails().empty());
  row = newest_row(ada.user_id);
  EXPECT_TRUE(row["failed"].as<bool>());
  EXPECT_EQ(row["attempts"].as<int>(), 0) << "a mail to a bounced address is not attempted";
  auto counts = server.app().email_outbox.counts();
  EXPECT_EQ(counts.bounced, 1u);
  EXPECT_EQ(counts.failed, 2u);
  EXPECT_EQ(counts.retried, 0u);
}

TEST_F(SmtpDelivery, AWorkerKilledBeforeTheRelayAnswersSendsNoSecondMail) {
  SmtpServer smtp(dir_.path / "smtp", {.hold = true});
  std::map<std::string, std::string> env = {{"PM_SMTP_URL", smtp_url("smtp", smtp)}};
  auto& server = serve(env);
  auto ada = test::sign_up(server, test::unique_email("ada"));
  env["PM_SMTP_FROM"] = kFrom;

  // The worker sends the mail; the relay has it all but holds its answer while the worker is killed.
  const std::string worker = test::process_env(config_) + " exec " + test::binary_path() + " worker";
  {
    test::Process first({"/bin/sh", "-c", worker}, env, (dir_.path / "worker1.log").string());
    ASSERT_TRUE(smtp.wait_until_held()) << "the worker never sent the mail";
    first.signal(SIGKILL);
    first.wait(10000);
  }
  smtp.release();
  ASSERT_EQ(smtp.mails().size(), 1u);
  auto row = newest_row(ada.user_id);
  EXPECT_TRUE(row["started"].as<bool>());
  EXPECT_FALSE(row["sent"].as<bool>()) << "the worker died before it could record the answer";

  // A worker started again (and this process's outbox) leave it alone: one mail, not two.
  make_all_due();
  auto again = test::run_command(test::process_env(config_) + "PM_SMTP_URL=" + test::shell_quote(env["PM_SMTP_URL"]) +
                                 " timeout 60 " + test::binary_path() + " worker --once");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(deliver(), 0);
  EXPECT_EQ(smtp.mails().size(), 1u);
}

TEST_F(SmtpDelivery, ASignedMailVerifiesWithItsPublishedDkimKey) {
  const auto key = (dir_.path / "dkim.key").string();
  const auto pub = (dir_.path / "dkim.pub").string();
  std::filesystem::create_directories(dir_.path);
  auto made = test::run_command("openssl genrsa -out " + test::shell_quote(key) + " 2048 2>&1 && openssl rsa -in " +
                                test::shell_quote(key) + " -pubout -outform DER 2>/dev/null | base64 -w0 > " +
                                test::shell_quote(pub));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  SmtpServer smtp(dir_.path / "smtp", {});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)},
                        {"PM_DKIM_SELECTOR", "pm2026"},
                        {"PM_DKIM_DOMAIN", "mail.pm.test"},
                        {"PM_DKIM_KEY_FILE", key}});
  test::sign_up(server, test::unique_email("ada"));
  EXPECT_EQ(deliver(), 1);
  auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  auto m = read(mails[0], pub);
  EXPECT_EQ(m["dkim"], true) << mails[0].raw;
  EXPECT_EQ(m["dkim_dns_names"], json::array({"pm2026._domainkey.mail.pm.test."}));
  EXPECT_NE(m["headers"].value("DKIM-Signature", "").find("d=mail.pm.test"), std::string::npos);
}

TEST_F(SmtpDelivery, ANotificationMailUnsubscribesFromItsTypeInOneClick) {
  SmtpServer smtp(dir_.path / "smtp", {});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"));
  test::prove_address(server, ada);
  auto& app = server.app();
  auto recorded = db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
    return app.notifications.record(tx, ada.id(), notifications::Type::like_received, {{"match_id", ""}}).has_value();
  });
  ASSERT_TRUE(recorded.value_or(false));
  // The notification outbox hands the email to the email outbox (push stays a file).
  ASSERT_TRUE(app.notification_outbox.deliver_pending(50).has_value());
  EXPECT_EQ(deliver(), 3) << "the two verification mails and the notification";

  test::ReceivedMail notification;
  for (const auto& mail : smtp.mails())
    if (mail.raw.find("List-Unsubscribe:") != std::string::npos) notification = mail;
  ASSERT_FALSE(notification.raw.empty());
  EXPECT_EQ(notification.meta["rcpt_tos"], json::array({ada.email}));
  auto m = read(notification);
  EXPECT_EQ(m["headers"]["Subject"], "Someone likes you on Perfect Match");
  EXPECT_EQ(m["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
  std::string url = m["headers"]["List-Unsubscribe"];
  ASSERT_TRUE(url.starts_with("<" + config_.public_url + "/api/v1/notifications/unsubscribe?token=")) << url;
  const std::string target = url.substr(1 + config_.public_url.size(), url.size() - 2 - config_.public_url.size());
  const std::string token = target.substr(target.find("token=") + 6);
  EXPECT_NE(std::string(m["text"]).find(config_.public_url + "/account"), std::string::npos);

  // Forged, altered or missing tokens: 400 problem+json, nothing changes.
  const test::Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  const std::string one_click = "List-Unsubscribe=One-Click";
  auto bad = [&](const std::string& t) {
    auto r = server.request("POST", "/api/v1/notifications/unsubscribe" + t, one_click, form);
    EXPECT_EQ(r.status, 400) << t << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json") << t;
    if (r.status == 400) {
      EXPECT_EQ(r.json()["type"], "/problems/invalid-token") << t;
    }
  };
  bad("");
  bad("?token=");
  bad("?token=not-a-token");
  bad("?token=" + bob.user_id + token.substr(ada.user_id.size()));               // Ada's signature on Bob's id
  bad("?token=" + ada.user_id + ".new_match" + token.substr(token.rfind('.')));  // another type
  bad("?token=" + token.substr(0, token.size() - 4) + "0000");
  // Bob's session grants nothing here: only the signature counts.
  test::Headers bob_form = bob.auth();
  bob_form.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  auto as_bob = server.request("POST", "/api/v1/notifications/unsubscribe?token=" + ada.user_id + ".like_received.00",
                               one_click, bob_form);
  EXPECT_EQ(as_bob.status, 400) << as_bob.body;

  auto settings = [&](const test::TestUser& who) {
    auto r = server.request("GET", "/api/v1/me/preferences", "", who.auth());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("notification_settings", json::object());
  };
  EXPECT_EQ(settings(ada)["like_received"], true);

  // The mail program's one click (no session): Ada's like_received is off, Bob's settings untouched.
  auto ok = server.request("POST", target, one_click, form);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json(), (json{{"setting", "like_received"}, {"enabled", false}}));
  EXPECT_EQ(settings(ada)["like_received"], false);
  EXPECT_EQ(settings(bob)["like_received"], true);
  EXPECT_EQ(settings(ada)["new_match"], true) << "only the mail's type";
  // Once more changes nothing more.
  EXPECT_EQ(server.request("POST", target, one_click, form).status, 200);
  EXPECT_EQ(settings(ada)["like_received"], false);
}

TEST_F(SmtpDelivery, MailsArriveInTheLanguageTheUserChoseAndAnUnknownOneIsRefused) {
  SmtpServer smtp(dir_.path / "smtp", {});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"));
  EXPECT_EQ(deliver(), 2) << "the verification mails, in English: no language chosen yet";
  test::Headers as_ada = ada.auth();
  as_ada.emplace_back("Content-Type", "application/json");

  // A sign-up may name its language: the verification mail is in it already; another is a 400.
  const test::Headers json_body = {{"Content-Type", "application/json"}};
  json signup = {{"email", test::unique_email("cleo")},
                 {"password", "correct horse battery"},
                 {"first_name", "Cleo"},
                 {"birth_date", "1990-12-10"},
                 {"gender", "woman"},
                 {"seeking_gender", "everyone"},
                 {"language", "de"}};
  const std::string cleo_email = signup["email"];
  auto cleo = server.request("POST", "/api/v1/auth/signup", signup.dump(), json_body);
  EXPECT_EQ(cleo.status, 202) << cleo.body;
  EXPECT_EQ(deliver(), 1);
  ASSERT_EQ(smtp.mails().size(), 3u);
  auto welcome = read(smtp.mails().back());
  EXPECT_EQ(welcome["headers"]["Subject"], "Bestätige deine E-Mail-Adresse für Perfect Match");
  EXPECT_NE(std::string(welcome["text"]).find("Hallo,"), std::string::npos) << welcome["text"];
  signup["email"] = test::unique_email("dora");
  signup["language"] = "fr";
  auto dora = server.request("POST", "/api/v1/auth/signup", signup.dump(), json_body);
  EXPECT_EQ(dora.status, 400) << dora.body;
  if (dora.status == 400) {
    EXPECT_EQ(dora.json()["errors"][0]["field"], "language");
  }

  // Only a language the templates have: a problem naming the field otherwise, and nothing changes.
  for (const auto* body : {R"({"language": "fr"})", R"({"language": ""})", R"({"language": 7})",
                           R"({"language": "de-DE-x-a-very-long-private-use-tag"})"}) {
    auto r = server.request("PUT", "/api/v1/me/preferences", body, as_ada);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json");
    if (r.status == 400) {
      EXPECT_EQ(r.json()["errors"][0]["field"], "language") << r.body;
    }
  }
  EXPECT_EQ(server.request("GET", "/api/v1/me/preferences", "", ada.auth()).json()["language"], "en");
  auto chosen = server.request("PUT", "/api/v1/me/preferences", R"({"language": "de"})", as_ada);
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  EXPECT_EQ(server.request("GET", "/api/v1/me/preferences", "", ada.auth()).json()["language"], "de");
  EXPECT_EQ(server.request("GET", "/api/v1/me/preferences", "", bob.auth()).json()["language"], "en");
  // Logged out: refused.
  EXPECT_EQ(
      server.request("PUT", "/api/v1/me/preferences", R"({"language": "de"})", {{"Content-Type", "application/json"}})
          .status,
      401);

  auto& app = server.app();
  // Ada proved her address (a mail greets by name only then); Bob has not: a notification reaches
  // him in the app, never by mail (anyone can sign up with anyone's address).
  test::prove_address(server, ada);
  for (const auto* who : {&ada, &bob}) {
    auto recorded = db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
      return app.notifications.record(tx, who->id(), notifications::Type::like_received, {{"match_id", ""}})
          .has_value();
    });
    ASSERT_TRUE(recorded.value_or(false));
  }
  ASSERT_TRUE(app.notification_outbox.deliver_pending(50).has_value());
  auto reset = server.request("POST", "/api/v1/auth/password-reset/request", json{{"email", ada.email}}.dump(),
                              {{"Content-Type", "application/json"}});
  EXPECT_LT(reset.status, 300) << reset.body;
  EXPECT_EQ(deliver(), 2) << "Ada's notification mail and the reset; none to Bob's address";
  {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    EXPECT_EQ(q.exec_params1("SELECT count(*) FROM notifications WHERE user_id = $1", bob.user_id)[0].as<int>(), 1)
        << "his, in the app";
    EXPECT_EQ(q.exec_params1("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND channel = 'email'",
                             bob.user_id)[0]
                  .as<int>(),
              0);
  }

  std::map<std::string, std::multiset<std::string>> subjects;  // by recipient
  for (const auto& mail : smtp.mails()) {
    if (mail.meta["rcpt_tos"][0] == cleo_email) continue;
    auto m = read(mail);
    const std::string to = mail.meta["rcpt_tos"][0];
    subjects[to].insert(m["headers"]["Subject"].get<std::string>());
    if (to == ada.email && m["headers"]["Subject"] == "Jemand mag dich auf Perfect Match") {
      const std::string text = m["text"];
      EXPECT_NE(text.find("Hallo Ada,"), std::string::npos) << text;
      EXPECT_NE(text.find("Schalte sie in deinen Einstellungen aus"), std::string::npos) << text;
      EXPECT_NE(std::string(m["html"]).find("Hallo Ada,"), std::string::npos);
    }
  }
  EXPECT_EQ(subjects[ada.email],
            (std::multiset<std::string>{"Confirm your email for Perfect Match", "Jemand mag dich auf Perfect Match",
                                        "Setze dein Perfect-Match-Passwort zurück"}));
  EXPECT_EQ(subjects[bob.email], (std::multiset<std::string>{"Confirm your email for Perfect Match"}));
}

namespace {

// A delivery status notification as Postfix writes one (RFC 3464: multipart/report with a
// human-readable part, message/delivery-status, and the returned headers), sent to `to` (our
// bounce address) about `recipient`.
std::string postfix_dsn(const std::string& to, const std::string& recipient, const std::string& action,
                        const std::string& status, const std::string& diagnostic) {
  return "Return-Path: <>\r\n"
         "Delivered-To: " +
         to +
         "\r\n"
         "Received: by mx.far.example (Postfix, from userid 0) id 4Z1; Tue,  1 Dec 2026 05:10:00 +0000 (UTC)\r\n"
         "Date: Tue,  1 Dec 2026 05:10:00 +0000 (UTC)\r\n"
         "From: MAILER-DAEMON@mx.far.example (Mail Delivery System)\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "To: " +
         to +
         "\r\n"
         "Auto-Submitted: auto-replied\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status;\r\n"
         "\tboundary=\"4Z1.1764565800/mx.far.example\"\r\n"
         "Message-Id: <20261201051000.4Z1@mx.far.example>\r\n"
         "\r\n"
         "This is a MIME-encapsulated message.\r\n"
         "\r\n"
         "--4Z1.1764565800/mx.far.example\r\n"
         "Content-Description: Notification\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "This is the mail system at host mx.far.example.\r\n"
         "\r\n"
         "I'm sorry to have to inform you that your message could not\r\n"
         "be delivered to one or more recipients.\r\n"
         "\r\n"
         "--4Z1.1764565800/mx.far.example\r\n"
         "Content-Description: Delivery report\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; mx.far.example\r\n"
         "X-Postfix-Queue-ID: 4Z1\r\n"
         "X-Postfix-Sender: rfc822; " +
         to +
         "\r\n"
         "Arrival-Date: Tue,  1 Dec 2026 05:09:58 +0000 (UTC)\r\n"
         "\r\n"
         "Final-Recipient: rfc822; " +
         recipient +
         "\r\n"
         "Original-Recipient: rfc822;" +
         recipient +
         "\r\n"
         "Action: " +
         action +
         "\r\n"
         "Status: " +
         status +
         "\r\n"
         "Remote-MTA: dns; inbox.far.example\r\n"
         "Diagnostic-Code: smtp; " +
         diagnostic +
         "\r\n"
         "    (in reply to RCPT TO command)\r\n"
         "\r\n"
         "--4Z1.1764565800/mx.far.example\r\n"
         "Content-Description: Undelivered Message Headers\r\n"
         "Content-Type: text/rfc822-headers\r\n"
         "\r\n"
         "From: Perfect Match <no-reply@mail.pm.test>\r\n"
         "To: " +
         recipient +
         "\r\n"
         "Subject: Confirm your email for Perfect Match\r\n"
         "\r\n"
         "--4Z1.1764565800/mx.far.example--\r\n";
}

}  // namespace

TEST_F(SmtpDelivery, ALaterPermanentFailureReportIsABounceAndATransientOneIsOnlyCounted) {
  SmtpServer smtp(dir_.path / "smtp", {});
  auto& server = serve({{"PM_SMTP_URL", smtp_url("smtp", smtp)}, {"PM_SMTP_BOUNCE_DOMAIN", "bounces.pm.test"}});
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"));
  EXPECT_EQ(deliver(), 2);
  std::map<std::string, std::string> envelope;  // recipient -> MAIL FROM
  for (const auto& mail : smtp.mails()) {
    envelope[mail.meta["rcpt_tos"][0]] = mail.meta["mail_from"];
    EXPECT_EQ(read(mail)["headers"]["From"], kFrom) << "the From header stays";
  }
  const std::string ada_bounces = envelope[ada.email];
  ASSERT_TRUE(ada_bounces.starts_with("bounces+") && ada_bounces.ends_with("@bounces.pm.test")) << ada_bounces;
  ASSERT_LE(ada_bounces.find('@'), 64u) << "a local part holds at most 64 characters";
  EXPECT_NE(envelope[bob.email], ada_bounces) << "one address per mail";

  auto report = [&](const std::string& text, const std::string& recipient = "") {
    std::istringstream in(text);
    return app::record_bounce_report(config_, in, recipient);
  };
  auto scalar = [&](const std::string& sql, const std::string& param) {
    auto conn = db_.connect();
    return pqxx::nontransaction(conn).exec_params1(sql, param)[0].as<int>();
  };
  const std::string bounced_sql =
      "SELECT count(*) FROM email_bounces b JOIN users u ON u.email_index = b.email_index WHERE u.user_id = $1";

  // Forged, altered, foreign: refused (EX_NOUSER), nothing recorded.
  const auto local = ada_bounces.substr(0, ada_bounces.find('@'));
  const std::string altered =
      local.substr(0, local.size() - 1) + (local.back() == '0' ? "1" : "0") + "@bounces.pm.test";
  const std::string elsewhere = local + "@bounces.evil.test";
  const std::string unsigned_id = "bounces+" + local.substr(8, 32) + "@bounces.pm.test";
  for (const auto& to : {altered, elsewhere, unsigned_id, std::string("postmaster@bounces.pm.test")})
    EXPECT_EQ(report(postfix_dsn(to, ada.email, "failed", "5.1.1", "550 5.1.1 user unknown")), 67) << to;
  EXPECT_EQ(scalar(bounced_sql, ada.user_id), 0);
  // Not a report at all (an autoresponder's answer): taken, nothing recorded.
  EXPECT_EQ(
      report("From: ada@far.example\r\nTo: " + ada_bounces + "\r\nSubject: Out of office\r\n\r\nBack on Monday.\r\n"),
      0);

  // Bob's mailbox is full for now: a "delayed" 4.x.x report is counted on the mail, nothing else.
  const std::string bob_bounces = envelope[bob.email];
  EXPECT_EQ(report(postfix_dsn(bob_bounces, bob.email, "delayed", "4.2.2", "452 4.2.2 mailbox full")), 0);
  EXPECT_EQ(scalar("SELECT delay_reports FROM email_outbox WHERE user_id = $1", bob.user_id), 1);
  EXPECT_EQ(scalar(bounced_sql, bob.user_id), 0);

  // Ada's address is gone: a "failed" 5.x.x report (its envelope recipient from the MTA, in upper
  // case as some MTAs write it) records the bounce against her address.
  std::string shouted = ada_bounces;
  std::transform(shouted.begin(), shouted.end(), shouted.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_EQ(report(postfix_dsn("someone@else.example", ada.email, "failed", "5.1.1",
                               "550 5.1.1 <" + ada.email + ">: Recipient address rejected"),
                   shouted),
            0);
  EXPECT_EQ(scalar(bounced_sql, ada.user_id), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM email_outbox WHERE user_id = $1 AND failed_at IS NOT NULL AND last_error = "
                   "'bounced after delivery: DSN 5.1.1'",
                   ada.user_id),
            1)
      << "the status only: a diagnostic may quote the address";

  // No more mail goes there; Bob's still does.
  queue(ada.user_id, ada.email, "another");
  queue(bob.user_id, bob.email, "another");
  EXPECT_EQ(deliver(), 1);
  EXPECT_EQ(smtp.mails().size(), 3u);
  EXPECT_EQ(newest_row(ada.user_id)["last_error"].as<std::string>(), "not attempted: the address bounced before");
  EXPECT_TRUE(newest_row(bob.user_id)["sent"].as<bool>());
}
