// Sign-up, verification, sign-in, sessions and password reset over real HTTP, real stores.

#include <functional>
#include <future>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "auth/passwords.hpp"
#include "auth/repository.hpp"
#include "auth/restrictions.hpp"
#include "auth/sessions.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "support/accounts.hpp"
#include "support/eventually.hpp"
#include "support/processes.hpp"

using namespace pm;
using test::TestServer;

namespace {

nlohmann::json signup_body(const std::string& email) {
  return {{"email", email},         {"password", "correct horse battery"},
          {"first_name", "Grace"},  {"birth_date", "1985-06-01"},
          {"gender", "non_binary"}, {"seeking_gender", "everyone"}};
}

// A sign-in from `ip` (if given), with the known-device token `device` (if given).
test::HttpResult login(TestServer& s, const std::string& email, const std::string& password, const std::string& ip = "",
                       const std::string& device = "") {
  test::Headers h;
  if (!ip.empty()) h.emplace_back("X-Forwarded-For", ip);
  nlohmann::json body{{"email", email}, {"password", password}};
  if (!device.empty()) body["device"] = device;
  return s.request("POST", "/api/v1/auth/login", body.dump(), h);
}

// A moderator's suspension, and the worker's end of the account's sessions.
void suspend_for_three_days(app::App& app, const test::TestUser& who) {
  ASSERT_TRUE(db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
                db::AsSystem as_system(tx);
                auth::suspend(tx, who.id(), 3);
                return true;
              }).has_value());
  ASSERT_TRUE(app.auth.end_queued_sessions(50).has_value());
}

// Makes the user's session look signed in `ago` (what a session left open that long looks like).
void sign_in_earlier(app::App& app, const test::TestUser& who, std::chrono::seconds ago) {
  const auto key = auth::SessionStore::key(who.id());
  const auto id = auth::SessionStore::session_id(who.token);
  auto got = app.redis.command({"HGET", key, id});
  ASSERT_TRUE(got && !got->is_nil());
  auto stored = nlohmann::json::parse(got->str());
  stored["created_at"] = stored["created_at"].get<long long>() - ago.count();
  ASSERT_TRUE(app.redis.command({"HSET", key, id, stored.dump()}));
}

// The worker's run of the purges that credential changes queued, made due now.
void run_credential_purges_now(test::TestDatabase& db, app::App& app) {
  auto conn = db.connect();
  pqxx::nontransaction(conn).exec0("UPDATE jobs SET run_after = now() WHERE kind = 'end_earlier_sessions'");
  auto ran = app.auth.end_queued_sessions(50);
  ASSERT_TRUE(ran) << ran.error().detail;
}

test::HttpResult reauthenticate(TestServer& server, const test::TestUser& who, const std::string& password) {
  return server.request("POST", "/api/v1/me/reauthenticate", nlohmann::json{{"password", password}}.dump(), who.auth());
}

// The owner's "forgot my password": asks for the mail and sets `new_password` with its link (from
// `ip`, if given).
// Asks for a password reset of `email` and reads its token from the mail ("" if none came).
std::string reset_token_from_the_mail(TestServer& server, const std::string& email) {
  EXPECT_EQ(
      server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", email}}.dump()).status,
      202);
  std::string mail;
  EXPECT_TRUE(test::eventually([&] {
    mail = test::wait_for_mail(server.app().config.mail_dir, email);
    return mail.find("Reset your Perfect Match password") != std::string::npos;
  })) << mail;
  return test::token_in(mail);
}

test::HttpResult confirm_reset(TestServer& server, const std::string& token, const std::string& new_password,
                               const test::Headers& headers = {}) {
  return server.request("POST", "/api/v1/auth/password-reset/confirm",
                        nlohmann::json{{"token", token}, {"password", new_password}}.dump(), headers);
}

void reset_password_from_the_mail(TestServer& server, const std::string& email, const std::string& new_password,
                                  const std::string& ip = "") {
  const auto token = reset_token_from_the_mail(server, email);
  ASSERT_FALSE(token.empty());
  test::Headers from;
  if (!ip.empty()) from.emplace_back("X-Forwarded-For", ip);
  auto done = confirm_reset(server, token, new_password, from);
  ASSERT_EQ(done.status, 204) << done.body;
}

}  // namespace

TEST(Auth, SignUpVerifyEmailFromTheMailAndSignIn) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto email = test::unique_email("grace");
  auto res = server.request("POST", "/api/v1/auth/signup", signup_body("  " + email + " ").dump());
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(res.json()["email"], email) << "the address is normalised";
  EXPECT_FALSE(res.json().contains("token")) << "a session comes from signing in";
  auto unverified = login(server, email, "correct horse battery");
  ASSERT_EQ(unverified.status, 200) << "an unverified account signs in: " << unverified.body;
  EXPECT_EQ(unverified.json()["user"]["email_verified"], false);
  EXPECT_EQ(unverified.json()["token"].get<std::string>().size(), 36u + 1 + 43u);

  auto mail = test::wait_for_mail(server.app().config.mail_dir, email);
  ASSERT_FALSE(mail.empty()) << "a verification mail was written as a .eml file";
  EXPECT_NE(mail.find("Subject: Confirm your email"), std::string::npos);
  auto token = test::token_in(mail);
  ASSERT_EQ(token.size(), 64u);

  auto bad = server.request("POST", "/api/v1/auth/verify-email", R"({"token": "nope"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["type"], "/problems/invalid-token");
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", token}}.dump()).status, 204);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", token}}.dump()).status, 400)
      << "a verification token works once";

  auto in = login(server, email.substr(0, 1) + email.substr(1), "correct horse battery");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.json()["user"]["email_verified"], true);
  EXPECT_EQ(login(server, "GRACE" + email.substr(5), "correct horse battery").status, 200) << "case does not matter";
}

TEST(Auth, SignUpCreatesPreferencesAndAFreeSubscriptionInOneGo) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec_params1("SELECT plan_type FROM subscription_details WHERE user_id = $1", user.user_id)[0]
                .as<std::string>(),
            "free");
  auto prefs =
      q.exec_params1("SELECT min_age, max_age, max_distance FROM user_preferences WHERE user_id = $1", user.user_id);
  EXPECT_EQ(prefs[0].as<int>(), 18);
  EXPECT_EQ(prefs[1].as<int>(), 99);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'signup'", user.user_id)[0]
                .as<int>(),
            1);
}

TEST(Auth, SignUpRefusesBadInputWithEveryReason) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto res = server.request("POST", "/api/v1/auth/signup",
                            nlohmann::json{{"email", "not-an-email"},
                                           {"password", "x"},
                                           {"first_name", ""},
                                           {"birth_date", test::birth_date_aged(10)},
                                           {"gender", "robot"},
                                           {"seeking_gender", "cats"},
                                           {"favourite_colour", "blue"}}
                                .dump());
  ASSERT_EQ(res.status, 400) << res.body;
  auto body = res.json();
  EXPECT_EQ(body["type"], "/problems/validation-failed");
  std::set<std::string> fields;
  for (const auto& e : body["errors"]) fields.insert(e["field"]);
  for (const char* f : {"email", "first_name", "birth_date", "gender", "seeking_gender", "favourite_colour"})
    EXPECT_TRUE(fields.count(f)) << f << " not reported: " << res.body;

  auto under_18 = signup_body(test::unique_email());
  under_18["birth_date"] = test::birth_date_aged(17);
  auto minor = server.request("POST", "/api/v1/auth/signup", under_18.dump());
  EXPECT_EQ(minor.status, 400);
  EXPECT_NE(minor.body.find("18 or older"), std::string::npos);

  auto feb30 = signup_body(test::unique_email());
  feb30["birth_date"] = "1990-02-30";
  EXPECT_EQ(server.request("POST", "/api/v1/auth/signup", feb30.dump()).status, 400);

  for (const char* weak : {"short", "password123", "aaaaaaaaaaaa", "1234567890"}) {
    auto b = signup_body(test::unique_email());
    b["password"] = weak;
    auto r = server.request("POST", "/api/v1/auth/signup", b.dump());
    EXPECT_EQ(r.status, 400) << weak;
    EXPECT_EQ(r.json()["type"], "/problems/weak-password") << weak;
    EXPECT_EQ(r.json()["errors"][0]["field"], "password") << "so the app shows it beside the password: " << r.body;
  }
  for (const char* wrong : {"[]", "\"text\"", "null", "{\"email\": 5}"})
    EXPECT_EQ(server.request("POST", "/api/v1/auth/signup", wrong).status, 400) << wrong;
}

TEST(Auth, AnEmailHasOneAccountAndSignUpDoesNotSayWhichAddressesHaveOne) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto email = test::unique_email();
  auto owner = test::sign_up(server, email);
  auto again = server.request("POST", "/api/v1/auth/signup", signup_body(" " + email + " ").dump());
  auto fresh_email = test::unique_email();
  auto fresh = server.request("POST", "/api/v1/auth/signup", signup_body(fresh_email).dump());
  EXPECT_EQ(again.status, fresh.status) << "a taken address answers like a free one: " << again.body;
  EXPECT_EQ(again.json().size(), fresh.json().size());
  EXPECT_EQ(again.json()["verification"], fresh.json()["verification"]);

  auto told = test::wait_for_mail(server.app().config.mail_dir, email, 2);
  EXPECT_NE(told.find("Subject: Someone tried to sign up with your address"), std::string::npos)
      << "the owner hears of it by mail instead";
  EXPECT_EQ(told.find("Token: "), std::string::npos) << "and gets no link that would do anything";
  EXPECT_EQ(login(server, email, "correct horse battery").json()["user"]["user_id"], owner.user_id)
      << "the account is the owner's still, with the owner's password";
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM users WHERE email_index IS NOT NULL")[0].as<int>(), 2)
      << "one account for the taken address, one for the free one";

  // Tried again and again (a harasser filling the owner's inbox and log): still 202, one mail a day,
  // and the day's first 20 in the owner's security log.
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(server
                  .request("POST", "/api/v1/auth/signup", signup_body(email).dump(),
                           {{"X-Forwarded-For", test::unique_client_ip()}})
                  .status,
              202);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM email_outbox WHERE user_id = $1", owner.user_id)[0].as<int>(), 2)
      << "the verification and one notice";
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'signup_existing_email' "
                           "AND ip IS NULL",
                           owner.user_id)[0]
                .as<int>(),
            20)
      << "in the owner's log, without the address of whoever tried (not the owner's to see)";
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND details->>'later_uses_today' = "
                           "'not recorded'",
                           owner.user_id)[0]
                .as<int>(),
            1)
      << "the last says that later ones are not";
}

// The day's one mail to an address's owner goes with the day's first use of the address: a request that fails
// after counting its use (here the database refuses its log entry) leaves that mail to the next request.
TEST(Auth, ASignUpThatFailsDoesNotUseUpTheOwnersMailOfTheDay) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto email = test::unique_email();
  auto owner = test::sign_up(server, email);
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  q.exec0(
      "CREATE FUNCTION pm_test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
  q.exec0(
      "CREATE TRIGGER pm_test_refuse BEFORE INSERT ON audit_log FOR EACH ROW "
      "WHEN (NEW.event = 'signup_existing_email') EXECUTE FUNCTION pm_test_refuse()");
  auto failed = server.request("POST", "/api/v1/auth/signup", signup_body(email).dump());
  EXPECT_EQ(failed.status, 500) << failed.body;
  q.exec0("DROP TRIGGER pm_test_refuse ON audit_log");

  EXPECT_EQ(server.request("POST", "/api/v1/auth/signup", signup_body(email).dump()).status, 202);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM email_outbox WHERE user_id = $1", owner.user_id)[0].as<int>(), 2)
      << "the verification and the notice, which the failed request did not use up";
  auto told = test::wait_for_mail(server.app().config.mail_dir, email, 2);
  EXPECT_NE(told.find("Subject: Someone tried to sign up with your address"), std::string::npos) << told;
}

// Two requests at once about one address: the second's claim of the day's mail waits for the
// first's transaction, and the mail is the second's when the first rolls back (a claim in Redis
// that the failed request gave back had already refused the second: no mail that day). A claim on
// another address waits for neither, not even over the earlier days' rows the first is deleting.
TEST(Auth, AClaimOfTheDaysMailWaitsForAnotherThatMayFail) {
  test::TestDatabase db;
  const auto index = "index-" + crypto::random_hex(8);
  auto watcher = db.connect();
  pqxx::nontransaction(watcher).exec0(
      "INSERT INTO address_notices VALUES ('an address of two days ago', (now() AT TIME ZONE 'UTC')::date - 2)");
  auto first_connection = db.connect();
  pqxx::work first(first_connection);
  ASSERT_EQ(auth::repository::count_address_use(first, index), 1);
  {
    pqxx::work elsewhere(watcher);
    elsewhere.exec0("SET LOCAL lock_timeout = '2s'");  // a wait fails the claim
    EXPECT_EQ(auth::repository::count_address_use(elsewhere, "index-of-another-address"), 1);
    elsewhere.commit();
  }
  auto second = std::async(std::launch::async, [&] {
    auto connection = db.connect();
    pqxx::work tx(connection);
    const int uses = auth::repository::count_address_use(tx, index);
    tx.commit();
    return uses;
  });
  ASSERT_TRUE(test::eventually([&] {
    return pqxx::nontransaction(watcher)
               .exec1(
                   "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
                   "'%address_notices%' AND pid <> pg_backend_pid() AND datname = current_database()")[0]
               .as<int>() == 1;
  })) << "the second claim waits for the first's transaction";
  first.abort();
  EXPECT_EQ(second.get(), 1) << "the first rolled back: the day's first use, and its mail, are the second's";
  pqxx::work third(watcher);
  EXPECT_EQ(auth::repository::count_address_use(third, index), 2)
      << "once the second committed, the third is the second";
  EXPECT_EQ(third.exec1("SELECT count(*) FROM address_notices")[0].as<int>(), 2)
      << "the two addresses of today; the earlier day's row is gone";
}

TEST(Auth, WrongPasswordAndUnknownAccountLookTheSame) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  auto wrong = login(server, user.email, "not the password at all");
  auto unknown = login(server, test::unique_email("ghost"), "not the password at all");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.json()["detail"], unknown.json()["detail"]);
  EXPECT_EQ(wrong.json()["type"], "/problems/invalid-credentials");
}

TEST(Auth, LogoutEndsThatSessionOnlyAndLogoutAllEndsEvery) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);  // no in-process grace: the check below is immediate
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  auto second = login(server, user.email, user.password).json()["token"].get<std::string>();
  auto third = login(server, user.email, user.password).json()["token"].get<std::string>();
  auto bearer = [](const std::string& t) { return test::Headers{{"Authorization", "Bearer " + t}}; };

  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", user.auth()).status, 204);
  auto after = server.request("POST", "/api/v1/auth/logout", "", user.auth());
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout-all", "", bearer(second)).status, 204);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", bearer(third)).status, 401)
      << "logout-all ended the third session";
}

TEST(Auth, SessionsAreStoredUnderTheSeedKeyByTokenHashOnly) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  auto fields = server.app().redis.command({"HGETALL", "sessions:" + user.user_id});
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 2u) << "one session: field and value";
  std::string field(fields->element(0).str()), value(fields->element(1).str());
  EXPECT_EQ(field.size(), 64u) << "the field is the token's SHA-256";
  EXPECT_EQ(field, crypto::sha256_hex(user.token));
  const std::string secret = user.token.substr(user.token.find('.') + 1);  // the part after the user id
  EXPECT_EQ(value.find(secret), std::string::npos) << "the token itself is never stored";
  auto session = nlohmann::json::parse(value);
  for (const char* key : {"created_at", "last_seen", "expires_at", "user_agent", "ip"})
    EXPECT_TRUE(session.contains(key)) << key;
  auto ttl = server.app().redis.command({"TTL", "sessions:" + user.user_id});
  EXPECT_GT(ttl->integer(), 0) << "the key expires when unused";
}

TEST(Auth, MalformedOrForgedTokensAre401) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  for (const std::string& t : {std::string("garbage"), user.user_id + ".forged", std::string(5000, 'a'),
                               "00000000-0000-4000-8000-000000000000." + user.token.substr(37)}) {
    auto r = server.request("POST", "/api/v1/auth/logout", "", {{"Authorization", "Bearer " + t}});
    EXPECT_EQ(r.status, 401) << t.substr(0, 40);
  }
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout").status, 401);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", {{"Authorization", "Basic abc"}}).status, 401);
}

TEST(Auth, ForgottenPasswordIsResetFromTheMailAndEndsOtherSessions) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  auto request =
      server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", user.email}}.dump());
  EXPECT_EQ(request.status, 202);
  auto ghost = server.request("POST", "/api/v1/auth/password-reset/request",
                              nlohmann::json{{"email", test::unique_email("ghost")}}.dump());
  EXPECT_EQ(ghost.status, 202) << "no account enumeration";
  EXPECT_EQ(ghost.body, request.body);

  auto mail = test::wait_for_mail(server.app().config.mail_dir, user.email, 2);  // verification + reset
  ASSERT_NE(mail.find("Reset your Perfect Match password"), std::string::npos) << mail;
  auto token = test::token_in(mail);

  auto weak = server.request("POST", "/api/v1/auth/password-reset/confirm",
                             nlohmann::json{{"token", token}, {"password", "password123"}}.dump());
  EXPECT_EQ(weak.status, 400) << "a weak new password is refused and the token stays usable";
  auto done = server.request("POST", "/api/v1/auth/password-reset/confirm",
                             nlohmann::json{{"token", token}, {"password", "a much better secret"}}.dump());
  EXPECT_EQ(done.status, 204) << done.body;
  EXPECT_EQ(server
                .request("POST", "/api/v1/auth/password-reset/confirm",
                         nlohmann::json{{"token", token}, {"password", "yet another secret"}}.dump())
                .status,
            400)
      << "the reset token works once";

  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", user.auth()).status, 401) << "old sessions ended";
  EXPECT_EQ(login(server, user.email, user.password).status, 401);
  EXPECT_EQ(login(server, user.email, "a much better secret").status, 200);
}

// Two links asked for at the same moment (two tabs, a double click: neither request saw the
// other's token to retire it) were both good: a reset with one left the other able to undo it for
// the link's hour.
TEST(Auth, AResetRetiresEveryOtherResetLinkOfTheAccount) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  const std::string first = reset_token_from_the_mail(server, user.email);
  ASSERT_FALSE(first.empty());
  const std::string second = crypto::random_hex(32);  // beside the first, as a racing request left it
  {
    auto conn = db.connect();
    pqxx::nontransaction(conn).exec_params0(
        "INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at) "
        "VALUES ($1, $2, 'reset_password', now() + interval '1 hour')",
        crypto::sha256_hex(second), user.user_id);
  }
  ASSERT_EQ(confirm_reset(server, first, "a much better secret").status, 204);
  auto undone = confirm_reset(server, second, "the other tab's secret");
  EXPECT_EQ(undone.status, 400) << undone.body;
  EXPECT_EQ(undone.json()["type"], "/problems/invalid-token");
  EXPECT_EQ(login(server, user.email, "a much better secret").status, 200);
}

// Whoever signs up with someone else's address chooses the account's name; a mail of ours to that
// address greeted its reader by it, a phishing line in a genuine mail (a reset asked for, a like).
// A name greets only once the address is proven.
TEST(Auth, AMailToAnAddressNotYetProvenGreetsNoOneByName) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  const std::string lure = "there, verify at evil.example now";
  auto user = test::sign_up(server, test::unique_email(), lure);
  const auto& mails = server.app().config.mail_dir;
  const std::string verification = test::wait_for_mail(mails, user.email);
  ASSERT_FALSE(reset_token_from_the_mail(server, user.email).empty());
  const std::string reset = test::wait_for_mail(mails, user.email, 2);
  EXPECT_EQ(reset.find("evil.example"), std::string::npos) << reset;
  EXPECT_NE(reset.find("Hello,"), std::string::npos) << reset;

  ASSERT_EQ(
      server
          .request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", test::token_in(verification)}}.dump())
          .status,
      204);
  ASSERT_FALSE(reset_token_from_the_mail(server, user.email).empty());
  const std::string proven = test::wait_for_mail(mails, user.email, 3);
  EXPECT_NE(proven.find("Hello " + lure), std::string::npos) << "the owner's own name, once the address is theirs";
}

TEST(Auth, PasswordChangeNeedsTheCurrentOneAndEndsOtherSessions) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  auto other = login(server, user.email, user.password).json()["token"].get<std::string>();

  auto wrong = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", "nope nope nope"}, {"new_password", "brand new secret"}}.dump(), user.auth());
  EXPECT_EQ(wrong.status, 403);
  // A reset link mailed before (asked for by whoever reads the inbox, perhaps not the owner).
  const auto earlier_reset = reset_token_from_the_mail(server, user.email);
  auto ok = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", user.password}, {"new_password", "brand new secret"}}.dump(), user.auth());
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", {{"Authorization", "Bearer " + other}}).status, 401);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/logout", "", user.auth()).status, 204) << "this session stays";
  EXPECT_EQ(confirm_reset(server, earlier_reset, "the reset link's secret").status, 400)
      << "a reset link from before the change is void: it would undo it";
}

// A password reset or change whose purge of the other sessions meets Redis refusing it still
// succeeds (it committed: the token is spent, the password changed), and its queued purge ends
// those sessions once Redis is back, but not the ones signed in since nor the caller's own.
TEST(Auth, TheSessionsACredentialChangeFoundEndEvenIfRedisRefusedAtFirst) {
  test::TestDatabase db;
  test::RedisServer redis;
  auto config = test::test_config(db);
  config.redis_url = redis.url();
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto signed_in = [&](const std::string& token) {
    return server.request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}}).status == 200;
  };
  auto run_purges = [&] { run_credential_purges_now(db, server.app()); };
  auto user = test::sign_up(server, test::unique_email());
  ASSERT_EQ(server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", user.email}}.dump())
                .status,
            202);
  auto token = test::token_in(test::wait_for_mail(server.app().config.mail_dir, user.email, 2));

  // 1. A reset (someone else may hold the old password and a session made with it).
  redis.refuse_commands({"del", "hdel"});
  auto reset = server.request("POST", "/api/v1/auth/password-reset/confirm",
                              nlohmann::json{{"token", token}, {"password", "a much better secret"}}.dump());
  EXPECT_EQ(reset.status, 204) << reset.body;
  EXPECT_TRUE(signed_in(user.token)) << "Redis kept it so far";
  redis.accept_commands();
  auto after = login(server, user.email, "a much better secret");
  ASSERT_EQ(after.status, 200) << after.body;
  run_purges();
  EXPECT_FALSE(signed_in(user.token)) << "the session from before the reset ended";
  const auto mine = after.json()["token"].get<std::string>();
  EXPECT_TRUE(signed_in(mine)) << "the sign-in after it stays";

  // 2. A change from one device: the others end, this one stays.
  auto other = login(server, user.email, "a much better secret").json()["token"].get<std::string>();
  redis.refuse_commands({"del", "hdel"});
  auto changed = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", "a much better secret"}, {"new_password", "brand new secret"}}.dump(),
      {{"Authorization", "Bearer " + mine}});
  EXPECT_EQ(changed.status, 204) << changed.body;
  redis.accept_commands();
  run_purges();
  EXPECT_FALSE(signed_in(other)) << "the other device's session ended";
  EXPECT_TRUE(signed_in(mine)) << "the device that changed it stays";

  // 3. A purge whose payload does not say which credentials it ends ends every session: the safe side.
  {
    auto conn = db.connect();
    pqxx::nontransaction(conn).exec_params0(
        "INSERT INTO jobs (kind, payload) VALUES ('end_earlier_sessions', jsonb_build_object('user_id', $1::text))",
        user.user_id);
  }
  run_purges();
  EXPECT_FALSE(signed_in(mine));
}

// A deletion whose purge of the sessions meets Redis refusing it still deletes, and its queued
// purge ends the sessions once Redis is back: before, a session left behind (a stalker's stolen
// one) went on authenticating as the deleted id until it expired, and could store uploads.
TEST(Auth, TheSessionsOfADeletedAccountEndEvenIfRedisRefusedAtFirst) {
  test::TestDatabase db;
  test::RedisServer redis;
  auto config = test::test_config(db);
  config.redis_url = redis.url();
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  const auto other = login(server, user.email, user.password).json()["token"].get<std::string>();
  auto me_with = [&](const std::string& token) {
    return server.request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}}).status;
  };
  redis.refuse_commands({"del", "hdel"});
  auto deleted = server.request("DELETE", "/api/v1/me", "", user.auth());
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_NE(me_with(other), 401) << "Redis kept the other session so far";
  redis.accept_commands();
  run_credential_purges_now(db, server.app());
  EXPECT_EQ(me_with(other), 401) << "the deleted account's other session ended";
  EXPECT_EQ(me_with(user.token), 401);
}

// A sign-in that checked the old password a moment before a reset or change committed keeps no
// session, however its steps and the change's interleave: the account counts its credential
// changes (users.credentials_version), a session records the count its sign-in read with the
// password, and anything older ends.
TEST(Auth, ASignInThatCheckedTheOldPasswordKeepsNoSessionThroughAChange) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto& sessions = server.app().sessions;
  auto user = test::sign_up(server, test::unique_email());
  auto sessions_held = [&] { return sessions.list(user.id())->size(); };
  ASSERT_EQ(sessions_held(), 1u);

  // 1. The change commits after the sign-in checked the password and before its session exists.
  // The sign-in writes the audit log next: a lock on it holds the sign-in there while this test
  // commits what a change commits first, the account's new credential count.
  {
    auto holder = db.connect();
    pqxx::work held(holder);
    held.exec0("LOCK TABLE audit_log IN SHARE MODE");
    auto signing_in = std::async(std::launch::async, [&] { return login(server, user.email, user.password); });
    EXPECT_TRUE(test::eventually([&] { return db.statement_waits_for_a_lock("%audit_log%"); }))
        << "the sign-in did not wait for the audit log";
    held.exec_params0("UPDATE users SET credentials_version = credentials_version + 1 WHERE user_id = $1",
                      user.user_id);
    held.commit();
    auto refused = signing_in.get();
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_EQ(refused.json().value("type", ""), "/problems/sign-in-interrupted");
    EXPECT_FALSE(refused.json().contains("token"));
  }
  EXPECT_EQ(sessions_held(), 1u) << "the interrupted sign-in's session ended";

  // 2. A session made with the old password after the change's own purge (its sign-in's second
  // look failed to end it) ends in the change's queued purge, however late it was made; the
  // sign-in with the new password stays.
  auto changed = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", user.password}, {"new_password", "an entirely new secret"}}.dump(),
      user.auth());
  ASSERT_EQ(changed.status, 204) << changed.body;
  // (Its sign-in read the count before the change: 1, from part 1.)
  auto late = sessions.create(user.id(), {.user_agent = "late", .ip = "203.0.113.7", .credentials_version = 1});
  ASSERT_TRUE(late);
  auto after = login(server, user.email, "an entirely new secret");
  ASSERT_EQ(after.status, 200) << after.body;
  ASSERT_EQ(sessions_held(), 3u);
  run_credential_purges_now(db, server.app());
  auto signed_in = [&](const std::string& token) {
    return server.request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}}).status == 200;
  };
  EXPECT_FALSE(signed_in(*late)) << "the session made with the old password ended";
  EXPECT_TRUE(signed_in(after.json()["token"].get<std::string>())) << "the new password's stays";
  EXPECT_TRUE(signed_in(user.token)) << "the device that changed it stays";
}

// A hash made with other parameters than today's is replaced at the next sign-in, but only while
// it is still the stored one: a reset committed between the sign-in's check and its rehash stays,
// and the old password does not come back.
TEST(Auth, ASignInUpgradesAnOldHashButNeverUndoesAResetMeanwhile) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email());
  const auth::PasswordHasher old_parameters({.opslimit = 2, .memlimit_bytes = 8 * 1024});
  auto conn = db.connect();
  auto stored_hash = [&] {
    return pqxx::nontransaction(conn)
        .exec_params1("SELECT password_hash FROM users WHERE user_id = $1", user.user_id)[0]
        .as<std::string>();
  };
  auto store_hash = [&](pqxx::work& tx, const std::string& hash) {
    tx.exec_params0("UPDATE users SET password_hash = $2 WHERE user_id = $1", user.user_id, hash);
  };
  {
    pqxx::work tx(conn);
    store_hash(tx, old_parameters.hash(user.password));
    tx.commit();
  }
  ASSERT_NE(stored_hash().find("t=2"), std::string::npos);
  ASSERT_EQ(login(server, user.email, user.password).status, 200);
  EXPECT_EQ(stored_hash().find("t=2"), std::string::npos) << "upgraded to today's parameters: " << stored_hash();
  EXPECT_EQ(login(server, user.email, user.password).status, 200);

  // Again with the old parameters; this time a reset commits while the sign-in, its password
  // checked, waits for the account's row to write the upgrade.
  {
    pqxx::work tx(conn);
    store_hash(tx, old_parameters.hash(user.password));
    tx.commit();
  }
  const std::string reset_password = "the password chosen in the reset";
  {
    auto holder = db.connect();
    pqxx::work reset(holder);
    reset.exec_params1("SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE", user.user_id);
    auto signing_in = std::async(std::launch::async, [&] { return login(server, user.email, user.password); });
    EXPECT_TRUE(test::eventually([&] { return db.statement_waits_for_a_lock("%SET password_hash%"); }))
        << "the sign-in did not come to its upgrade";
    store_hash(reset, server.app().hasher.hash(reset_password));
    reset.commit();
    EXPECT_EQ(signing_in.get().status, 200) << "it checked the password before the reset";
  }
  EXPECT_EQ(login(server, user.email, user.password).status, 401) << "the reset's password stays the only one";
  EXPECT_EQ(login(server, user.email, reset_password).status, 200);
}

// The list of devices: a user sees their own sessions (which one is this one; no IP address) and
// signs one out. Nobody else lists or ends them; a signed-out or suspended client gets nothing.
TEST(Auth, AUserSeesTheirDevicesAndSignsOneOutAndNoOneElseCan) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto ada = test::sign_up(server, test::unique_email("ada"));
  const auto phone_ip = test::unique_client_ip();
  auto phone_in = server.request("POST", "/api/v1/auth/login",
                                 nlohmann::json{{"email", ada.email}, {"password", ada.password}}.dump(),
                                 {{"User-Agent", "PhoneBrowser/2.0"}, {"X-Forwarded-For", phone_ip}});
  ASSERT_EQ(phone_in.status, 200) << phone_in.body;
  const test::Headers phone = {{"Authorization", "Bearer " + phone_in.json()["token"].get<std::string>()}};
  const auto phone_id = auth::SessionStore::session_id(phone_in.json()["token"].get<std::string>());
  auto bob = test::sign_up(server, test::unique_email("bob"));

  auto listed = server.request("GET", "/api/v1/me/sessions", "", ada.auth());
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto sessions = listed.json()["sessions"];
  ASSERT_EQ(sessions.size(), 2u) << listed.body;
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& s : sessions) by_id[s["session_id"]] = s;
  ASSERT_TRUE(by_id.count(phone_id)) << listed.body;
  EXPECT_EQ(by_id[phone_id]["user_agent"], "PhoneBrowser/2.0");
  EXPECT_EQ(by_id[phone_id]["current"], false);
  EXPECT_EQ(by_id[auth::SessionStore::session_id(ada.token)]["current"], true);
  EXPECT_EQ(listed.body.find(phone_ip), std::string::npos) << "no IP address: it would say where she is";

  // Bob sees only his own, and cannot end hers.
  auto his = server.request("GET", "/api/v1/me/sessions", "", bob.auth());
  ASSERT_EQ(his.status, 200);
  EXPECT_EQ(his.json()["sessions"].size(), 1u);
  EXPECT_EQ(his.body.find(phone_id), std::string::npos);
  auto refused = server.request("DELETE", "/api/v1/me/sessions/" + phone_id, "", bob.auth());
  EXPECT_EQ(refused.status, 404) << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/not-found");
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/sessions/" + phone_id).status, 401) << "signed out";
  EXPECT_EQ(server.request("GET", "/api/v1/me/sessions").status, 401);
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/sessions/nonsense", "", ada.auth()).status, 404);
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", phone).status, 200) << "still signed in";

  // She signs the phone out: it is, and she is not.
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/sessions/" + phone_id, "", ada.auth()).status, 204);
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", phone).status, 401);
  EXPECT_EQ(server.request("GET", "/api/v1/me/sessions", "", ada.auth()).json()["sessions"].size(), 1u);

  // Suspended: the suspension ends the sessions, and none is listed or ended with them.
  auto& app = server.app();
  suspend_for_three_days(app, ada);
  EXPECT_EQ(server.request("GET", "/api/v1/me/sessions", "", ada.auth()).status, 401);
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/sessions/" + auth::SessionStore::session_id(ada.token), "", ada.auth())
                .status,
            401);
}

// The data export holds where the owner signs in from (the security log's addresses): a session
// signed in more than ten minutes ago (a phone left signed in, a former partner's browser) gets it
// only after giving the password again. Nobody else's password or session does.
TEST(Auth, AnOldSessionDownloadsTheExportOnlyAfterThePasswordAgain) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  auto& app = server.app();
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"));
  auto exported = [&](const test::TestUser& who) { return server.request("GET", "/api/v1/me/export", "", who.auth()); };
  EXPECT_EQ(exported(ada).status, 200) << "signed in a moment ago";
  sign_in_earlier(app, ada, std::chrono::minutes(9));
  EXPECT_EQ(exported(ada).status, 200) << "signed in nine minutes ago";

  sign_in_earlier(app, ada, std::chrono::minutes(51));  // an hour ago
  auto refused = exported(ada);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json().value("type", ""), "/problems/reauthentication-required");

  EXPECT_EQ(server.request("POST", "/api/v1/me/reauthenticate", "{}", ada.auth()).status, 400);
  auto wrong = reauthenticate(server, ada, "not her password");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(wrong.json().value("type", ""), "/problems/wrong-password");
  EXPECT_EQ(reauthenticate(server, bob, bob.password).status, 204) << "Bob confirms his own session, not hers";
  EXPECT_EQ(
      server.request("POST", "/api/v1/me/reauthenticate", nlohmann::json{{"password", ada.password}}.dump()).status,
      401)
      << "signed out";
  EXPECT_EQ(exported(ada).status, 403) << "neither a wrong password nor another user's unlocks it";

  EXPECT_EQ(reauthenticate(server, ada, ada.password).status, 204);
  auto data = exported(ada);
  ASSERT_EQ(data.status, 200) << data.body;
  EXPECT_EQ(data.json()["user"][0]["email"], ada.email);
  const auto log = data.json()["security_log"];
  int confirmations = 0, wrong_passwords = 0;
  for (const auto& entry : log) {
    confirmations += entry["event"] == "reauthenticated";
    wrong_passwords += entry["event"] == "password_check_failed";
  }
  EXPECT_EQ(confirmations, 1) << "her security log shows it (the wrong password does not count): " << log.dump();
  EXPECT_EQ(wrong_passwords, 1) << "and the wrong password apart, where whoever guesses shows: " << log.dump();

  // Suspended: the session ends, and the password gives it nothing back.
  suspend_for_three_days(app, ada);
  EXPECT_EQ(reauthenticate(server, ada, ada.password).status, 401);
  EXPECT_EQ(exported(ada).status, 401);
}

TEST(Auth, WrongPasswordsToAChangeOfPasswordOrAddressAreInTheOwnersSecurityLog) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto change_password = [&](const std::string& current) {
    return server.request(
        "POST", "/api/v1/me/password",
        nlohmann::json{{"current_password", current}, {"new_password", "a brand new passphrase"}}.dump(), ada.auth());
  };
  auto wrong = change_password("a guess");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(wrong.json().value("type", ""), "/problems/wrong-password");
  EXPECT_EQ(wrong.json()["errors"][0]["field"], "current_password") << "the field the app shows it beside";
  auto moved =
      server.request("POST", "/api/v1/me/email",
                     nlohmann::json{{"email", test::unique_email()}, {"password", "another guess"}}.dump(), ada.auth());
  EXPECT_EQ(moved.status, 403) << moved.body;
  EXPECT_EQ(moved.json()["errors"][0]["field"], "password");
  auto weak = server.request("POST", "/api/v1/me/password",
                             nlohmann::json{{"current_password", ada.password}, {"new_password", "password123"}}.dump(),
                             ada.auth());
  EXPECT_EQ(weak.status, 400) << weak.body;
  EXPECT_EQ(weak.json()["errors"][0]["field"], "new_password") << weak.body;
  auto same = server.request("POST", "/api/v1/me/email",
                             nlohmann::json{{"email", ada.email}, {"password", ada.password}}.dump(), ada.auth());
  EXPECT_EQ(same.status, 400) << same.body;
  EXPECT_EQ(same.json()["errors"][0]["field"], "email") << same.body;
  EXPECT_EQ(change_password(ada.password).status, 204);
  auto data = server.request("GET", "/api/v1/me/export", "", ada.auth());
  ASSERT_EQ(data.status, 200) << data.body;
  std::map<std::string, int> events;
  const auto log = data.json()["security_log"];
  for (const auto& entry : log) events[entry["event"].get<std::string>()]++;
  EXPECT_EQ(events["password_check_failed"], 2)
      << "one for each wrong password, none for the right one: " << log.dump();
  EXPECT_EQ(events["password_change"], 1);
  EXPECT_EQ(events.count("email_change_requested"), 0u) << "the refused change of address left nothing else";
}

// Deleting the account for good needs the same: an old session alone (a former partner's browser)
// cannot erase someone. The password guesses it takes are limited per account.
TEST(Auth, AnOldSessionDeletesTheAccountOnlyAfterThePasswordAgain) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  config.login_limit_per_account = 3;
  TestServer server(config);
  auto& app = server.app();
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"));
  auto deleted = [&](const test::TestUser& who) { return server.request("DELETE", "/api/v1/me", "", who.auth()); };

  sign_in_earlier(app, ada, std::chrono::minutes(11));
  auto refused = deleted(ada);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json().value("type", ""), "/problems/reauthentication-required");
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).status, 200) << "her account is still there";
  EXPECT_EQ(server.request("DELETE", "/api/v1/me").status, 401) << "signed out";

  // Wrong guesses are limited: after three, even the right password waits.
  sign_in_earlier(app, bob, std::chrono::hours(2));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reauthenticate(server, bob, "a guess " + std::to_string(i)).status, 403);
  auto limited = reauthenticate(server, bob, bob.password);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_GT(std::stoi(limited.header("Retry-After")), 0);
  EXPECT_EQ(deleted(bob).status, 403) << "a refused confirmation unlocks nothing";

  EXPECT_EQ(reauthenticate(server, ada, ada.password).status, 204);
  EXPECT_EQ(deleted(ada).status, 204);
  EXPECT_EQ(login(server, ada.email, ada.password).status, 401) << "the account is gone";
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", bob.auth()).status, 200) << "Bob's is not";

  suspend_for_three_days(app, bob);
  EXPECT_EQ(deleted(bob).status, 401) << "a suspended account's session has ended";
}

TEST(Auth, SignInIsRateLimitedPerAccountAndPerIp) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;  // per account and client; the account's ceiling is three times that
  config.login_limit_per_ip = 8;
  TestServer server(config);
  auto ip = test::unique_client_ip();
  auto user = test::sign_up(server, test::unique_email());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(server, user.email, "wrong password " + std::to_string(i), ip).status, 401);
  auto limited = login(server, user.email, user.password, ip);
  EXPECT_EQ(limited.status, 429) << "even the right password waits, from where the guesses came";
  EXPECT_EQ(limited.json()["type"], "/problems/rate-limited");
  EXPECT_GT(std::stoi(limited.header("Retry-After")), 0);
  EXPECT_EQ(login(server, user.email, user.password, test::unique_client_ip()).status, 200)
      << "someone guessing from one place does not lock the owner out elsewhere";

  // Guesses from many places meet the account's ceiling (the owner's success cleared the count):
  // 3 places x 3 guesses, then a fourth place is refused, even with the right password.
  for (int place = 0; place < 3; ++place) {
    const auto from = test::unique_client_ip();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(login(server, user.email, "guess " + std::to_string(i), from).status, 401);
  }
  EXPECT_EQ(login(server, user.email, user.password, test::unique_client_ip()).status, 429) << "the ceiling";
  // A password reset, proof of the address, lifts the account's ceiling for its owner, and the
  // count of the client she proved it from (the guesser's own address, shared with her).
  EXPECT_EQ(login(server, user.email, user.password, ip).status, 429);
  reset_password_from_the_mail(server, user.email, "a brand new passphrase", ip);
  EXPECT_EQ(login(server, user.email, "a brand new passphrase", test::unique_client_ip()).status, 200);
  EXPECT_EQ(login(server, user.email, "a brand new passphrase", ip).status, 200);

  // The client's own limit (8) applies across accounts.
  const auto client = test::unique_client_ip();
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(login(server, test::unique_email("other"), "whatever it is", client).status, 401);
  EXPECT_EQ(login(server, test::unique_email("other"), "whatever it is", client).status, 429);
  EXPECT_EQ(login(server, test::unique_email("other"), "whatever it is", test::unique_client_ip()).status, 401)
      << "another client is not limited";
}

// With login_limit_per_account = 3: three wrong guesses from each of three places, then a fourth
// place is refused: the account's ceiling, which locks out every client the account does not know.
void reach_the_sign_in_ceiling(TestServer& server, const std::string& email) {
  for (int place = 0; place < 3; ++place) {
    const auto from = test::unique_client_ip();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(login(server, email, "guess " + std::to_string(i), from).status, 401);
  }
  ASSERT_EQ(login(server, email, "one guess more", test::unique_client_ip()).status, 429) << "the ceiling";
}

// The known-device token of a password sign-in from `ip` (with `device`, the device's earlier one).
std::string known_device_token(TestServer& server, const test::TestUser& who, const std::string& password,
                               const std::string& ip, const std::string& device = "") {
  auto signed_in = login(server, who.email, password, ip, device);
  EXPECT_EQ(signed_in.status, 200) << signed_in.body;
  return signed_in.json().value("device", "");
}

// Guesses from many clients reach the account's ceiling and lock out every client it does not know
// (above); a device where the owner signed in before is counted on its own and still signs in.
TEST(Auth, GuessesFromEverywhereDoNotLockTheOwnerOutOfADeviceTheySignedInOn) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;  // per client or device; the account's ceiling is three times that
  TestServer server(config);
  auto owner = test::sign_up(server, test::unique_email("owner"));
  auto other = test::sign_up(server, test::unique_email("other"));
  const auto phone = test::unique_client_ip();
  const auto device = known_device_token(server, owner, owner.password, phone);
  ASSERT_FALSE(device.empty()) << "a password sign-in gives the device its token";
  EXPECT_EQ(known_device_token(server, owner, owner.password, phone, device).substr(0, 32), device.substr(0, 32))
      << "the same device";

  reach_the_sign_in_ceiling(server, owner.email);
  EXPECT_EQ(login(server, owner.email, owner.password, phone).status, 429) << "the phone without its token: unknown";
  auto forged = device;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(login(server, owner.email, owner.password, phone, forged).status, 429) << "a made-up token is unknown";
  EXPECT_EQ(login(server, owner.email, owner.password, phone, "not a token at all").status, 429);
  auto known = login(server, owner.email, owner.password, test::unique_client_ip(), device);
  EXPECT_EQ(known.status, 200) << "the owner's device signs in, wherever it is: " << known.body;
  EXPECT_EQ(login(server, owner.email, owner.password, test::unique_client_ip()).status, 429)
      << "the owner signing in on her device does not give the guessers a fresh ceiling";

  // The token is of this account only: on another that reached its ceiling it is nobody's device.
  reach_the_sign_in_ceiling(server, other.email);
  EXPECT_EQ(login(server, other.email, other.password, phone, device).status, 429);

  // A stolen token gets that device's own budget of guesses, no more: then it is any client's.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(server, owner.email, "thief " + std::to_string(i), test::unique_client_ip(), device).status, 401);
  auto stopped = login(server, owner.email, owner.password, test::unique_client_ip(), device);
  EXPECT_EQ(stopped.status, 429) << "the ceiling: " << stopped.body;
}

// A copy of a device's token spends that device's budget and no more; the owner there then signs
// in as from any client. The device is not refused for its neighbours' guesses on a shared address
// either. And a token ends with the credentials it was earned with: sign out everywhere, a reset.
TEST(Auth, AKnownDeviceOutlivesNeitherACopyNorTheCredentialsItWasEarnedWith) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;  // per client or device; the account's ceiling is three times that
  config.login_limit_per_ip = 5;       // per client address, across accounts
  TestServer server(config);
  auto owner = test::sign_up(server, test::unique_email("owner"));
  const auto phone = test::unique_client_ip();
  const auto device = known_device_token(server, owner, owner.password, phone);

  const auto guesser = test::unique_client_ip();  // a third of the ceiling, from elsewhere
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login(server, owner.email, "guess " + std::to_string(i), guesser).status, 401);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(server, owner.email, "copy " + std::to_string(i), test::unique_client_ip(), device).status, 401);
  EXPECT_EQ(login(server, owner.email, owner.password, phone, device).status, 200)
      << "the copy spent the device's budget, not the owner's place";
  // The ceiling (9) holds the 3 guesses and the owner's attempt, counted as any client's: 5 more fill it.
  const auto more_from = test::unique_client_ip(), and_from = test::unique_client_ip();
  for (int guess = 0; guess < 5; ++guess)
    EXPECT_EQ(login(server, owner.email, "more " + std::to_string(guess), guess < 3 ? more_from : and_from).status,
              401);
  EXPECT_EQ(login(server, owner.email, owner.password, test::unique_client_ip()).status, 429)
      << "the owner's success there kept the ceiling's count";

  // A neighbour on the phone's address guesses at other accounts until the address's budget is spent.
  for (int i = 0; i < 5; ++i) (void)login(server, test::unique_email("neighbour"), "a guess", phone);
  EXPECT_EQ(login(server, test::unique_email("neighbour"), "a guess", phone).status, 429);
  EXPECT_EQ(login(server, owner.email, owner.password, phone).status, 429) << "the shared address's budget is spent";
  EXPECT_EQ(login(server, owner.email, owner.password, phone, device).status, 200) << "but not the device's";

  reset_password_from_the_mail(server, owner.email, "a brand new passphrase");
  const auto after_reset = known_device_token(server, owner, "a brand new passphrase", test::unique_client_ip());
  reach_the_sign_in_ceiling(server, owner.email);
  EXPECT_EQ(login(server, owner.email, "a brand new passphrase", phone, device).status, 429)
      << "a token from before the reset is nobody's device";
  EXPECT_EQ(login(server, owner.email, "a brand new passphrase", test::unique_client_ip(), after_reset).status, 200);

  // Sign out everywhere, a new password and a new address end the tokens earned before them.
  auto token_outlives = [&](const std::function<void(test::TestUser&)>& change) {
    auto someone = test::sign_up(server, test::unique_email("someone"));
    const auto laptop = known_device_token(server, someone, someone.password, test::unique_client_ip());
    change(someone);
    reach_the_sign_in_ceiling(server, someone.email);
    return login(server, someone.email, someone.password, test::unique_client_ip(), laptop).status != 429;
  };
  EXPECT_FALSE(token_outlives([&](test::TestUser& who) {
    EXPECT_EQ(server.request("POST", "/api/v1/auth/logout-all", "", who.auth()).status, 204);
  })) << "sign out everywhere";
  EXPECT_FALSE(token_outlives([&](test::TestUser& who) {
    auto changed = server.request(
        "POST", "/api/v1/me/password",
        nlohmann::json{{"current_password", who.password}, {"new_password", "a changed passphrase"}}.dump(),
        who.auth());
    EXPECT_EQ(changed.status, 204) << changed.body;
    who.password = "a changed passphrase";
  })) << "a new password";
  EXPECT_TRUE(token_outlives([](test::TestUser&) {})) << "nothing changed: the token still counts";
}

// A token earned after a change of address was asked for, before it was confirmed, ends with the
// address it was earned on (the request already ended every token from before it).
TEST(Auth, AKnownDeviceEndsWithTheAddressItSignedInWith) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;  // per client or device; the account's ceiling is three times that
  TestServer server(config);
  auto owner = test::sign_up(server, test::unique_email("owner"));
  const auto new_email = test::unique_email("moved");
  auto asked = server.request("POST", "/api/v1/me/email",
                              nlohmann::json{{"email", new_email}, {"password", owner.password}}.dump(), owner.auth());
  ASSERT_EQ(asked.status, 202) << asked.body;
  const auto meanwhile = known_device_token(server, owner, owner.password, test::unique_client_ip());
  const auto mail = test::wait_for_mail(server.app().config.mail_dir, new_email);
  ASSERT_EQ(server.request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", test::token_in(mail)}}.dump())
                .status,
            204);
  owner.email = new_email;
  const auto after = known_device_token(server, owner, owner.password, test::unique_client_ip());
  reach_the_sign_in_ceiling(server, new_email);
  EXPECT_EQ(login(server, new_email, owner.password, test::unique_client_ip(), meanwhile).status, 429)
      << "earned on the old address";
  EXPECT_EQ(login(server, new_email, owner.password, test::unique_client_ip(), after).status, 200)
      << "earned on the new one";
}

TEST(Auth, PasswordResetRequestsAreRateLimited) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.reset_limit_per_account = 2;
  TestServer server(config);
  auto email = test::unique_email("nobody");
  auto ask = [&] {
    return server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", email}}.dump(),
                          {{"X-Forwarded-For", test::unique_client_ip()}});
  };
  EXPECT_EQ(ask().status, 202);
  EXPECT_EQ(ask().status, 202);
  auto third = ask();
  EXPECT_EQ(third.status, 429) << "limited per address, from any client, even when no account has it";
}

TEST(Auth, EmailAddressesAreNotStoredInClear) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto email = test::unique_email("secret-person");
  test::sign_up(server, email);
  server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", email}}.dump());
  test::wait_for_mail(server.app().config.mail_dir, email, 2);
  std::string cmd = "/usr/lib/postgresql/15/bin/pg_dump --data-only --restrict-key=pmtest \"" + db.url() + "\"";
  std::string dump;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) dump.append(buf, n);
  ASSERT_EQ(pclose(p), 0);
  EXPECT_GT(dump.size(), 1000u);
  EXPECT_EQ(dump.find(email), std::string::npos) << "the address appears in clear in the database";
  EXPECT_EQ(dump.find("secret-person"), std::string::npos);
  EXPECT_EQ(dump.find("Lovelace"), std::string::npos) << "last names are encrypted too";
  EXPECT_NE(dump.find("pm1.t1."), std::string::npos) << "ciphertexts carry their key id";
}

TEST(Auth, EmailChangeNeedsThePasswordAndTakesEffectOnlyFromTheNewInbox) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto user = test::sign_up(server, test::unique_email("old"));
  auto taken = test::sign_up(server, test::unique_email("taken"));
  auto other_device = login(server, user.email, user.password).json()["token"].get<std::string>();
  auto change = [&](const std::string& email, const std::string& password) {
    return server.request("POST", "/api/v1/me/email", nlohmann::json{{"email", email}, {"password", password}}.dump(),
                          user.auth());
  };
  EXPECT_EQ(change(test::unique_email("new"), "wrong password here").status, 403);
  EXPECT_EQ(change("not an email", user.password).status, 400);
  auto to_taken = change(taken.email, user.password);
  EXPECT_EQ(to_taken.status, 202) << "a taken address answers like a free one: " << to_taken.body;
  auto taken_told = test::wait_for_mail(server.app().config.mail_dir, taken.email, 2);
  EXPECT_NE(taken_told.find("already has an account"), std::string::npos);
  EXPECT_EQ(taken_told.find("Token: "), std::string::npos);
  // Asked again and again (someone filling that inbox): still 202, but that address is told once a
  // day; the caller's own address still hears of each request.
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  auto mails_queued = [&](const test::TestUser& to) {
    return q.exec_params1("SELECT count(*) FROM email_outbox WHERE user_id = $1", to.user_id)[0].as<int>();
  };
  const auto queued_before = mails_queued(user);
  const auto taken_before = mails_queued(taken);
  EXPECT_EQ(taken_before, 2) << "its verification and the notice, queued under its owner (in the owner's language)";
  for (int i = 0; i < 2; ++i) EXPECT_EQ(change(taken.email, user.password).status, 202);
  EXPECT_EQ(mails_queued(user) - queued_before, 2) << "one to the caller's own address each time";
  EXPECT_EQ(mails_queued(taken), taken_before) << "none more to the taken one";
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = "
                           "'email_change_existing_email' AND ip IS NULL",
                           taken.user_id)[0]
                .as<int>(),
            3)
      << "but each is in its owner's security log";

  auto fresh = test::unique_email("new");
  auto ok = change(fresh, user.password);
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(ok.json()["email"], user.email) << "the account keeps its address until the new one confirms";
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + other_device}}).status, 401)
      << "other sessions end at once";
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", user.auth()).status, 200) << "the caller's session stays";
  EXPECT_EQ(login(server, user.email, user.password).status, 200) << "the old address signs in until then";
  EXPECT_EQ(login(server, fresh, user.password).status, 401) << "the unconfirmed one does not";

  auto notice = test::wait_for_mail(server.app().config.mail_dir, user.email, 2);
  EXPECT_NE(notice.find("change of your Perfect Match email address was requested"), std::string::npos)
      << "the old address is told at once";
  auto mail = test::wait_for_mail(server.app().config.mail_dir, fresh);
  ASSERT_FALSE(mail.empty());
  // Someone who reads the old inbox (an ex, a recycled address) asks for a reset link before the move.
  const auto old_inbox_reset = reset_token_from_the_mail(server, user.email);
  ASSERT_FALSE(old_inbox_reset.empty());
  auto confirm = nlohmann::json{{"token", test::token_in(mail)}}.dump();
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", confirm).status, 204);
  EXPECT_EQ(confirm_reset(server, old_inbox_reset, "the old inbox's secret").status, 400)
      << "a reset link sent to the old address does not outlive the move";
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", confirm).status, 400) << "the link works once";
  EXPECT_EQ(login(server, user.email, user.password).status, 401) << "the old address no longer signs in";
  EXPECT_EQ(login(server, fresh, user.password).json()["user"]["email_verified"], true);
  EXPECT_EQ(
      q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'email_change'", user.user_id)[0]
          .as<int>(),
      1);
}

// A link from a mail (a verification, a reset) holds a token nobody can guess, but each miss costs
// a write: a client's misses are limited. The links that work are not counted, so the people behind
// one address (an office, a carrier's NAT) do not use up each other's verifications.
TEST(Auth, LinksFromMailsAreLimitedByTheClientsMisses) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.reset_limit_per_ip = 3;
  TestServer server(config);
  const test::Headers office{{"X-Forwarded-For", test::unique_client_ip()}};
  auto verify = [&](const std::string& token) {
    return server.request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", token}}.dump(), office);
  };
  for (int i = 0; i < 5; ++i) {
    auto colleague = test::sign_up(server, test::unique_email("colleague"));
    auto verified = verify(test::token_in(test::wait_for_mail(server.app().config.mail_dir, colleague.email)));
    EXPECT_EQ(verified.status, 204) << "colleague " << i << ": " << verified.body;
  }
  const std::string wrong(64, 'a');
  for (int i = 0; i < 3; ++i) EXPECT_EQ(verify(wrong).status, 400) << i;
  auto refused = confirm_reset(server, wrong, "a long enough new secret", office);
  EXPECT_EQ(refused.status, 429) << "a reset link's misses count with the verifications': " << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/rate-limited");
  EXPECT_EQ(
      confirm_reset(server, wrong, "a long enough new secret", {{"X-Forwarded-For", test::unique_client_ip()}}).status,
      400)
      << "another client is not held up";
}

// The first mail lost or its link expired: a signed-in account asks for a new link, which retires the
// one before. A few a day (each is a mail to an address not yet proven); refused once the address is verified,
// to a signed-out client and to a suspended account. (Another user's address cannot be named: the
// route takes no address, only the caller's own account.)
TEST(Auth, ANewVerificationLinkCanBeAskedForUntilTheAddressIsVerified) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto& app = server.app();
  const auto& mail_dir = app.config.mail_dir;
  auto ada = test::sign_up(server, test::unique_email("ada"));
  const std::string first = test::token_in(test::wait_for_mail(mail_dir, ada.email));
  auto resend = [&](const test::TestUser& who) {
    return server.request("POST", "/api/v1/auth/verify-email/resend", "", who.auth());
  };
  auto verify = [&](const std::string& token) {
    return server.request("POST", "/api/v1/auth/verify-email", nlohmann::json{{"token", token}}.dump());
  };
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email/resend").status, 401) << "signed out";

  ASSERT_EQ(resend(ada).status, 202);
  const std::string second = test::token_in(test::wait_for_mail(mail_dir, ada.email, 2));
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  EXPECT_EQ(verify(first).status, 400) << "the link before no longer works";
  for (int i = 1; i < auth::Service::kVerificationMailsPerDay; ++i) EXPECT_EQ(resend(ada).status, 202) << i;
  auto limited = resend(ada);
  EXPECT_EQ(limited.status, 429) << limited.body;
  const std::string last = test::token_in(test::wait_for_mail(mail_dir, ada.email, 1 + 3));
  EXPECT_EQ(verify(last).status, 204);

  auto ben = test::sign_up(server, test::unique_email("ben"));
  test::prove_address(server, ben);
  auto verified = resend(ben);
  EXPECT_EQ(verified.status, 409) << verified.body;
  EXPECT_EQ(verified.json()["type"], "/problems/email-already-verified");

  auto cleo = test::sign_up(server, test::unique_email("cleo"));
  suspend_for_three_days(app, cleo);
  EXPECT_EQ(resend(cleo).status, 401) << "a suspended account has no session to ask with";
}

// Someone asking again and again to move their account to another's address fills that owner's
// security log no further than the day's budget of changes.
TEST(Auth, ChangesOfAddressHaveADailyBudget) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.email_change_limit_per_day = 3;
  config.login_limit_per_account = 10;  // password attempts per session
  TestServer server(config);
  auto harasser = test::sign_up(server, test::unique_email("harasser"));
  auto owner = test::sign_up(server, test::unique_email("owner"));
  auto change = [&](const std::string& password) {
    return server.request("POST", "/api/v1/me/email",
                          nlohmann::json{{"email", owner.email}, {"password", password}}.dump(), harasser.auth());
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(change("not the password " + std::to_string(i)).status, 403);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(change(harasser.password).status, 202) << "wrong passwords spent nothing";
  auto refused = change(harasser.password);
  EXPECT_EQ(refused.status, 429) << refused.body;
  // Asked again with the right password: not guesses, so the session's password checks go on.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(change(harasser.password).status, 429);
  EXPECT_EQ(reauthenticate(server, harasser, harasser.password).status, 204)
      << "the budget's refusals did not spend the session's password attempts";
  EXPECT_EQ(refused.json()["type"], "/problems/rate-limited");
  auto conn = db.connect();
  EXPECT_EQ(
      pqxx::nontransaction(conn)
          .exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'email_change_existing_email'",
                        owner.user_id)[0]
          .as<int>(),
      3);

  // Per address asked for too, by the accounts that ask (accounts made by the dozen could each send
  // a stranger's inbox their day's confirmations; one account asking again counts once, so it
  // cannot keep the address's owner from moving there). Counted whether or not an account has the
  // address, so the refusal tells nothing.
  auto move = [&](const test::TestUser& who, const std::string& to) {
    return server.request("POST", "/api/v1/me/email", nlohmann::json{{"email", to}, {"password", who.password}}.dump(),
                          who.auth());
  };
  const auto holder = test::sign_up(server, test::unique_email("holder"));  // an address with an account
  for (const std::string& address : {test::unique_email("stranger"), holder.email}) {
    std::vector<test::TestUser> askers;
    for (int i = 0; i < 4; ++i) askers.push_back(test::sign_up(server, test::unique_email("asker")));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(move(askers[i], address).status, 202) << address << " " << i;
    EXPECT_EQ(move(askers[0], address).status, 202) << "the same account asking again counts once";
    auto full = move(askers[3], address);
    EXPECT_EQ(full.status, 429) << "a fourth account: " << full.body;
    EXPECT_EQ(full.json()["type"], "/problems/rate-limited");
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(move(askers[3], test::unique_email("elsewhere")).status, 202)
          << "the refusal took nothing from the account's own budget";
  }
}

// Someone who knows the password (phished) asks to move the account to their own address; the
// owner, told by mail, takes the account back with a new password. The link waiting in the
// other inbox must no longer move the account, whether the owner reset the password or changed it.
TEST(Auth, TakingTheAccountBackWithANewPasswordVoidsAPendingChangeOfAddress) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.session_cache_ttl = Millis(1);
  TestServer server(config);
  const auto& mail_dir = server.app().config.mail_dir;
  auto owner = test::sign_up(server, test::unique_email("owner"));
  auto thief = login(server, owner.email, owner.password).json()["token"].get<std::string>();
  auto steal = [&](const std::string& thief_email) {
    auto asked = server.request("POST", "/api/v1/me/email",
                                nlohmann::json{{"email", thief_email}, {"password", owner.password}}.dump(),
                                {{"Authorization", "Bearer " + thief}});
    EXPECT_EQ(asked.status, 202) << asked.body;
    return nlohmann::json{{"token", test::token_in(test::wait_for_mail(mail_dir, thief_email))}}.dump();
  };

  // 1. The owner resets the password from the mail.
  auto thief_email = test::unique_email("thief");
  auto link = steal(thief_email);
  ASSERT_EQ(server.request("POST", "/api/v1/auth/password-reset/request", nlohmann::json{{"email", owner.email}}.dump())
                .status,
            202);
  auto reset = test::wait_for_mail(mail_dir, owner.email, 3);  // verification, change notice, reset
  ASSERT_NE(reset.find("Reset your Perfect Match password"), std::string::npos) << reset;
  ASSERT_EQ(
      server
          .request("POST", "/api/v1/auth/password-reset/confirm",
                   nlohmann::json{{"token", test::token_in(reset)}, {"password", "the owner's new secret"}}.dump())
          .status,
      204);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", link).status, 400)
      << "the change asked for with the old password no longer applies";
  EXPECT_EQ(login(server, thief_email, "the owner's new secret").status, 401);
  EXPECT_EQ(login(server, owner.email, "the owner's new secret").status, 200) << "the account keeps its address";

  // 2. The same with the password changed while signed in (the thief knows the new one again).
  owner.password = "the owner's new secret";
  thief = login(server, owner.email, owner.password).json()["token"].get<std::string>();
  thief_email = test::unique_email("thief");
  link = steal(thief_email);  // this also ends the owner's other sessions: they sign in again
  auto owner_again = login(server, owner.email, owner.password).json()["token"].get<std::string>();
  ASSERT_EQ(
      server
          .request("POST", "/api/v1/me/password",
                   nlohmann::json{{"current_password", owner.password}, {"new_password", "another new secret"}}.dump(),
                   {{"Authorization", "Bearer " + owner_again}})
          .status,
      204);
  EXPECT_EQ(server.request("POST", "/api/v1/auth/verify-email", link).status, 400);
  EXPECT_EQ(login(server, owner.email, "another new secret").status, 200);
}

TEST(Auth, PasswordGuessesThroughAChangeOfAddressAreLimitedEvenInParallel) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  std::vector<std::future<int>> guesses;
  for (int i = 0; i < 8; ++i)
    guesses.push_back(std::async(std::launch::async, [&, i] {
      return server
          .request(
              "POST", "/api/v1/me/email",
              nlohmann::json{{"email", test::unique_email()}, {"password", "guess number " + std::to_string(i)}}.dump(),
              user.auth())
          .status;
    }));
  int checked = 0, limited = 0;
  for (auto& g : guesses) {
    int status = g.get();
    checked += status == 403;
    limited += status == 429;
  }
  EXPECT_EQ(checked, 3) << "only the account's budget of guesses reaches the password check";
  EXPECT_EQ(limited, 5);
  auto right = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", user.password}, {"new_password", "a brand new passphrase"}}.dump(),
      user.auth());
  EXPECT_EQ(right.status, 429) << "password changes share the budget";
}

TEST(Auth, AStolenSessionsGuessesDoNotLockTheOwnerOutButSessionsTogetherMeetACeilingThatAResetLifts) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;  // per session; the account's ceiling is three times that
  TestServer server(config);
  auto owner = test::sign_up(server, test::unique_email());
  auto another_session = [&] {
    auto signed_in = login(server, owner.email, owner.password, test::unique_client_ip());
    EXPECT_EQ(signed_in.status, 200) << signed_in.body;
    auto session = owner;
    session.token = signed_in.json().value("token", "");
    return session;
  };
  auto stolen = another_session();  // a phone left signed in
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reauthenticate(server, stolen, "a guess " + std::to_string(i)).status, 403);
  EXPECT_EQ(reauthenticate(server, stolen, "one more guess").status, 429);
  EXPECT_EQ(reauthenticate(server, stolen, owner.password).status, 429) << "that session has no more tries";

  // The owner's own session still confirms, changes the password and deletes.
  EXPECT_EQ(reauthenticate(server, owner, owner.password).status, 204) << "the stalker's guesses are not the owner's";

  // Guesses from more sessions count towards the account too: 3 + 1 so far (the owner's right one
  // counts; the stolen session's refused ones do not), so 5 more reach the ceiling of 9.
  auto second = another_session();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reauthenticate(server, second, "a guess " + std::to_string(i)).status, 403);
  auto third = another_session();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(reauthenticate(server, third, "a guess " + std::to_string(i)).status, 403);
  auto over = reauthenticate(server, third, "a third guess");
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_NE(over.json().value("detail", "").find("for this account"), std::string::npos) << over.body;
  EXPECT_EQ(reauthenticate(server, another_session(), owner.password).status, 429) << "a fresh session as well";
  auto change = server.request(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current_password", owner.password}, {"new_password", "a brand new passphrase"}}.dump(),
      owner.auth());
  EXPECT_EQ(change.status, 429) << "the owner too, once the account's ceiling is reached";
  EXPECT_EQ(login(server, owner.email, owner.password, test::unique_client_ip()).status, 200)
      << "signing in counts apart";

  // Taking the account back from the mail lifts the account's ceiling (the stalker's sessions end).
  reset_password_from_the_mail(server, owner.email, "a brand new passphrase");
  owner.password = "a brand new passphrase";
  owner.token = login(server, owner.email, owner.password).json().value("token", "");
  auto confirmed = reauthenticate(server, owner, owner.password);
  EXPECT_EQ(confirmed.status, 204) << "after a reset, the owner confirms at once: " << confirmed.body;
}

TEST(Auth, ParallelSignInGuessesCannotPassTheAccountLimit) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_account = 3;
  TestServer server(config);
  auto user = test::sign_up(server, test::unique_email());
  auto in_parallel = [&](int n, const std::function<std::string()>& from) {
    std::vector<std::future<int>> guesses;
    for (int i = 0; i < n; ++i)
      guesses.push_back(std::async(std::launch::async, [&, i, ip = from()] {
        return login(server, user.email, "guess number " + std::to_string(i), ip).status;
      }));
    int checked = 0;
    for (auto& g : guesses) checked += g.get() == 401;
    return checked;
  };
  const auto one_place = test::unique_client_ip();
  EXPECT_EQ(in_parallel(8, [&] { return one_place; }), 3) << "from one client, its budget: the rest were refused "
                                                             "before their password was checked";
  EXPECT_EQ(in_parallel(12, [] { return test::unique_client_ip(); }), 6)
      << "from many, the account's ceiling (9, of which 3 were used)";
}

TEST(Auth, Ipv6ClientsAreLimitedPerSlashSixtyFour) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.login_limit_per_ip = 2;
  TestServer server(config);
  auto prefix = "2001:db8:" + crypto::random_hex(2) + ":" + crypto::random_hex(2) + "::";
  EXPECT_EQ(login(server, test::unique_email(), "whatever it is", prefix + "1").status, 401);
  EXPECT_EQ(login(server, test::unique_email(), "whatever it is", prefix + "2").status, 401);
  EXPECT_EQ(login(server, test::unique_email(), "whatever it is", prefix + "abcd:1").status, 429)
      << "another address of the same /64 is the same client";
  EXPECT_EQ(login(server, test::unique_email(), "whatever it is", test::unique_client_ip()).status, 401);
}

TEST(Auth, NoCacheKeepsASessionTokenOrAnAccount) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto email = test::unique_email("cache");
  auto signed_up = server.request("POST", "/api/v1/auth/signup", signup_body(email).dump());
  ASSERT_EQ(signed_up.status, 202) << signed_up.body;
  EXPECT_EQ(signed_up.header("Cache-Control"), "no-store");
  auto in = login(server, email, "correct horse battery");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.header("Cache-Control"), "no-store") << "the body holds a session token";
  const std::string token = in.json()["token"];
  auto me = server.request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.header("Cache-Control"), "no-store");
  EXPECT_EQ(server.request("GET", "/api/v1/me").header("Cache-Control"), "no-store") << "problems too";
  EXPECT_EQ(server.request("GET", "/healthz").header("Cache-Control"), "") << "only the API's answers";
}
