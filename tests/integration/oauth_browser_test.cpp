// The browser's "Sign in with ..." (authorization code flow with PKCE) against a real, certified
// OpenID Provider: oidc-provider, run by the test (support/oidc_provider.hpp), whose login and
// consent forms are filled with plain HTTP as a browser would. Our server sees only what a browser
// sends it: the start, the callback with the flow cookie, and the app's handoff.

#include <regex>

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "auth/restrictions.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "support/accounts.hpp"
#include "support/oidc_provider.hpp"
#include "support/oidc_tokens.hpp"
#include "support/stack.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

using namespace pm;

namespace {

constexpr const char* kSecretVariable = "PM_TEST_OIDC_CLIENT_SECRET";
constexpr const char* kKeyVariable = "PM_TEST_OIDC_CLIENT_KEY";
constexpr const char* kWrongKeyVariable = "PM_TEST_OIDC_WRONG_CLIENT_KEY";

// The private keys of our private_key_jwt client (made once: RSA generation is slow), and one the
// provider does not know.
const test::oidc::TestKey& client_ec_key() {
  static const auto key = test::oidc::TestKey::ec_p256("client-ec");
  return key;
}
const test::oidc::TestKey& client_rsa_key() {
  static const auto key = test::oidc::TestKey::rsa("client-rsa");
  return key;
}
const test::oidc::TestKey& stranger_key() {
  static const auto key = test::oidc::TestKey::ec_p256("client-ec");
  return key;
}

class OAuthBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv(kSecretVariable, "a-secret-only-the-test-knows", 1);
    const auto port = test::free_port();
    base_ = fmt::format("http://127.0.0.1:{}", port);
    auto redirect = [&](const std::string& name) {
      return fmt::format("{}/api/v1/auth/oauth/{}/callback", base_, name);
    };
    ::setenv(kKeyVariable, client_ec_key().private_pem().c_str(), 1);
    ::setenv(kWrongKeyVariable, stranger_key().private_pem().c_str(), 1);
    dir_.write("client-rsa.pem", client_rsa_key().private_pem());
    // "local" is us; "stranger" is a client whose ID tokens are for another audience than ours;
    // "wrong-secret" cannot redeem its codes. "keyed-*" authenticate with private_key_jwt (the
    // provider holds the public halves of our keys), "wrong-key" with a key it does not know.
    // "form" asks for response_mode=form_post, as Apple does.
    provider_ = std::make_unique<test::OidcProvider>(Json::array({
        {{"client_id", "pm-keyed"},
         {"token_endpoint_auth_method", "private_key_jwt"},
         {"jwks", test::oidc::jwks({&client_ec_key(), &client_rsa_key()})},
         {"redirect_uris", {redirect("keyed-es"), redirect("keyed-rs"), redirect("wrong-key")}}},
        {{"client_id", "pm-form"},
         {"client_secret", "a-secret-only-the-test-knows"},
         {"redirect_uris", {redirect("form")}}},
        {{"client_id", "pm-web"},
         {"client_secret", "a-secret-only-the-test-knows"},
         {"redirect_uris", {redirect("local")}}},
        {{"client_id", "pm-other"},
         {"client_secret", "a-secret-only-the-test-knows"},
         {"redirect_uris", {redirect("stranger")}}},
        {{"client_id", "pm-third"}, {"client_secret", "another-secret"}, {"redirect_uris", {redirect("wrong-secret")}}},
    }));
    auto entry = [&](const std::string& name, const std::string& client_id) {
      return Json{{"name", name},
                  {"display_name", "Local OP"},
                  {"issuer", provider_->issuer()},
                  {"audiences", {"pm-web"}},  // no "jwks": its jwks_uri from discovery
                  {"client_id", client_id},
                  {"client_secret_env", kSecretVariable}};
    };
    auto keyed = [&](const std::string& name, const Json& key) {
      Json e = {{"name", name},
                {"issuer", provider_->issuer()},
                {"audiences", {"pm-keyed"}},
                {"jwks", provider_->jwks_url()},
                {"client_id", "pm-keyed"}};
      e.update(key);
      e["client_key_id"] = name == "keyed-rs" ? "client-rsa" : "client-ec";
      return e;
    };
    // Without the profile scope the ID token has no name, as Apple's never has.
    Json form_post = {{"name", "form"},           {"issuer", provider_->issuer()},
                      {"audiences", {"pm-form"}}, {"jwks", provider_->jwks_url()},
                      {"client_id", "pm-form"},   {"client_secret_env", kSecretVariable},
                      {"scopes", "openid email"}, {"response_mode", "form_post"}};
    providers_ = dir_.path / "providers.json";
    dir_.write("providers.json", Json::array({entry("local", "pm-web"),
                                              entry("stranger", "pm-other"),
                                              entry("wrong-secret", "pm-third"),
                                              keyed("keyed-es", {{"client_key_env", kKeyVariable}}),
                                              keyed("keyed-rs", {{"client_key_file", "client-rsa.pem"}}),
                                              keyed("wrong-key", {{"client_key_env", kWrongKeyVariable}}),
                                              form_post,
                                              {{"name", "tokens-only"},
                                               {"issuer", provider_->issuer()},
                                               {"audiences", {"pm-web"}},
                                               {"jwks", provider_->jwks_url()}}})
                                     .dump());
    auto config = test::test_config(db_);
    config.http_port = port;
    config.public_url = base_;
    config.oauth_providers = providers_.string();
    config.oauth_jwks_min_refetch = Millis(0);  // the rotation test's refetch comes at once
    server_ = std::make_unique<test::TestServer>(config);
  }

  std::string start_url(const std::string& provider, const std::string& query = "") const {
    return base_ + "/api/v1/auth/oauth/" + provider + "/start" + (query.empty() ? "" : "?" + query);
  }
  static std::string signup_query() {
    return http_client::form_encode({{"birth_date", "1994-05-17"}, {"gender", "woman"}, {"seeking_gender", "man"}});
  }

  // The provider's redirect back, as the browser follows it: with the flow cookie (if any).
  test::HttpResult callback(const test::OidcProvider::Return& back, std::optional<std::string> cookie = {}) {
    auto c = cookie.value_or(back.flow_cookie);
    test::Headers headers{{"X-Forwarded-For", client_}};
    if (!c.empty()) headers.emplace_back("Cookie", "pm_oauth_flow=" + c);
    return server_->request("GET", back.callback, "", headers);
  }
  // The provider's page POSTing its form to our callback (response_mode=form_post) from its own
  // site: a cross-site POST, which carries no SameSite=Lax cookie. `extra`: more fields (Apple's `user`).
  test::HttpResult form_return(const test::OidcProvider::Return& back, const Json& extra = Json::object()) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [name, value] : back.form.items()) fields.emplace_back(name, value.get<std::string>());
    for (const auto& [name, value] : extra.items()) fields.emplace_back(name, value.get<std::string>());
    return server_->request("POST", back.callback, http_client::form_encode(fields),
                            {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Forwarded-For", client_}});
  }
  // The browser following the form return's 303 to the GET callback: a top-level GET navigation,
  // which carries the Lax cookie (if the browser has one).
  test::HttpResult follow(const test::HttpResult& see_other, const std::string& cookie) {
    EXPECT_EQ(see_other.status, 303) << see_other.body;
    auto location = see_other.header("location");
    EXPECT_TRUE(location.starts_with(base_ + "/api/v1/auth/oauth/")) << location;
    return callback({.callback = location.substr(base_.size()), .flow_cookie = cookie}, cookie);
  }
  // The app's trade of the callback's code for the session.
  test::HttpResult handoff(const std::string& code, const std::string& cookie) {
    test::Headers headers{{"Content-Type", "application/json"}};
    if (!cookie.empty()) headers.emplace_back("Cookie", "pm_oauth_flow=" + cookie);
    return server_->request("POST", "/api/v1/auth/oauth-handoff", Json{{"code", code}}.dump(), headers);
  }
  // Where a finished callback sent the browser: "error=<slug>" on the sign-in page, or the handoff code.
  std::string error_of(const test::HttpResult& res) const {
    EXPECT_EQ(res.status, 302) << res.body;
    auto location = res.header("location");
    auto prefix = base_ + "/signin?error=";
    if (!location.starts_with(prefix)) return "(no error: " + location + ")";
    return location.substr(prefix.size());
  }
  std::string code_of(const test::HttpResult& res) const {
    EXPECT_EQ(res.status, 302) << res.body;
    auto location = res.header("location");
    auto prefix = base_ + "/signin#oauth=";
    EXPECT_TRUE(location.starts_with(prefix)) << location;
    return location.starts_with(prefix) ? location.substr(prefix.size()) : "";
  }
  // The whole flow as a browser and the web app go through it; the signed-in answer.
  test::HttpResult sign_in(const std::string& login, const std::string& provider = "local",
                           const std::string& query = "") {
    auto back = provider_->sign_in(start_url(provider, query), login, {});
    auto res = callback(back);
    auto code = code_of(res);
    if (code.empty()) return res;
    return handoff(code, back.flow_cookie);
  }

  void suspend(const std::string& user_id) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    auth::suspend(tx, UserId(user_id), 3);
    tx.commit();
  }

  void verify_email(const std::string& user_id) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params("UPDATE users SET email_verified_at = now() WHERE user_id = $1", user_id);
    tx.commit();
  }

  test::TestDatabase db_;
  test::TempDir dir_;
  std::filesystem::path providers_;
  std::string base_;
  std::string client_ = test::unique_client_ip();
  std::unique_ptr<test::OidcProvider> provider_;
  std::unique_ptr<test::TestServer> server_;
};

}  // namespace

TEST_F(OAuthBrowser, ANewPersonSignsUpThroughTheProviderAndLandsSignedIn) {
  auto listed = server_->request("GET", "/api/v1/auth/providers");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["providers"][0], (Json{{"name", "local"}, {"display_name", "Local OP"}}));
  EXPECT_EQ(listed.json()["providers"].size(), 7u) << "a provider without a client_id has no browser sign-in";

  auto email = test::unique_email("newcomer");
  auto start = server_->request("GET", "/api/v1/auth/oauth/local/start?" + signup_query());
  ASSERT_EQ(start.status, 302) << start.body;
  EXPECT_TRUE(start.header("location").starts_with(provider_->issuer() + "/auth?")) << start.header("location");
  auto cookie = start.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos) << cookie;

  auto in = sign_in(email, "local", signup_query());
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.json()["user"]["email"], email);
  EXPECT_EQ(in.json()["user"]["email_verified"], true);
  EXPECT_EQ(in.json()["user"]["first_name"], "Robin");
  EXPECT_EQ(in.json()["user"]["auth_provider"], "local");
  auto me =
      server_->request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + in.json()["token"].get<std::string>()}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user_id"], in.json()["user"]["user_id"]);

  auto again = sign_in(email);
  ASSERT_EQ(again.status, 200) << "the new account's identity signs in again: " << again.body;
  EXPECT_EQ(again.json()["user"]["user_id"], in.json()["user"]["user_id"]);
}

TEST_F(OAuthBrowser, WithoutAnAccountSignInSaysSignUpFirstAndAMinorCannotSignUp) {
  auto back = provider_->sign_in(start_url("local"), test::unique_email("stranger"), {});
  EXPECT_EQ(error_of(callback(back)), "oauth-no-account");

  auto minor = server_->request("GET", "/api/v1/auth/oauth/local/start?birth_date=" + test::birth_date_aged(17) +
                                           "&gender=woman&seeking_gender=man");
  EXPECT_EQ(minor.header("location"), base_ + "/signup?error=validation-failed");
  auto unknown = server_->request("GET", "/api/v1/auth/oauth/nobody/start");
  EXPECT_EQ(unknown.header("location"), base_ + "/signin?error=unknown-oauth-provider");
  auto tokens_only = server_->request("GET", "/api/v1/auth/oauth/tokens-only/start");
  EXPECT_EQ(tokens_only.header("location"), base_ + "/signin?error=unknown-oauth-provider");
}

TEST_F(OAuthBrowser, AnExistingVerifiedAccountSignsInAndIsLinked) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  auto in = sign_in(user.email);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.json()["user"]["user_id"], user.user_id);
  EXPECT_EQ(in.json()["user"]["auth_provider"], "local");
  auto login =
      server_->request("POST", "/api/v1/auth/login", Json{{"email", user.email}, {"password", user.password}}.dump(),
                       {{"X-Forwarded-For", client_}});
  EXPECT_EQ(login.status, 200) << "a verified account keeps its password when linked: " << login.body;
}

TEST_F(OAuthBrowser, AStateIsSingleUseAndBoundToTheBrowserThatStartedIt) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  auto back = provider_->sign_in(start_url("local"), user.email, {});

  // An attacker's own callback opened in a victim's browser (login CSRF): no cookie, or another one.
  EXPECT_EQ(error_of(callback(back, std::string("0123"))), "oauth-state-invalid");
  back = provider_->sign_in(start_url("local"), user.email, {});
  auto first = callback(back);
  auto code = code_of(first);
  EXPECT_EQ(error_of(callback(back)), "oauth-state-invalid") << "a replayed state";

  auto unknown = back;
  unknown.callback = "/api/v1/auth/oauth/local/callback?code=abc&state=" + crypto::random_hex(32);
  EXPECT_EQ(error_of(callback(unknown)), "oauth-state-invalid") << "an unknown state";
  auto no_state = server_->request("GET", "/api/v1/auth/oauth/local/callback?code=abc");
  EXPECT_EQ(error_of(no_state), "oauth-state-invalid");

  // The handoff is for the same browser, once.
  auto elsewhere = handoff(code, "");
  EXPECT_EQ(elsewhere.status, 400) << elsewhere.body;
  EXPECT_EQ(elsewhere.json()["type"], "/problems/oauth-state-invalid");
  auto taken = handoff(code, back.flow_cookie);
  EXPECT_EQ(taken.status, 400) << "the refused try used the code up: " << taken.body;
  EXPECT_EQ(taken.json()["type"], "/problems/invalid-token");

  back = provider_->sign_in(start_url("local"), user.email, {});
  code = code_of(callback(back));
  auto ok = handoff(code, back.flow_cookie);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.header("set-cookie").find("Max-Age=0"), std::string::npos) << "the flow cookie is cleared";
  EXPECT_EQ(handoff(code, back.flow_cookie).status, 400) << "a handoff code works once";
  auto malformed = server_->request("POST", "/api/v1/auth/oauth-handoff", Json{{"code", 42}}.dump(),
                                    {{"Content-Type", "application/json"}});
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_EQ(malformed.json()["type"], "/problems/validation-failed");
}

TEST_F(OAuthBrowser, DeniedConsentComesBackAsAProblemTheAppShows) {
  auto back = provider_->sign_in(start_url("local"), test::unique_email("shy"), {.deny = true});
  EXPECT_NE(back.callback.find("error=access_denied"), std::string::npos) << back.callback;
  EXPECT_EQ(error_of(callback(back)), "oauth-denied");
}

TEST_F(OAuthBrowser, ATokenForAnotherAudienceOrAnotherNonceIsRefused) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  auto stranger = provider_->sign_in(start_url("stranger"), user.email, {});
  EXPECT_EQ(error_of(callback(stranger)), "invalid-id-token") << "an ID token for pm-other, not for us";

  auto tampered = provider_->sign_in(start_url("local"), user.email, {.nonce = "a-nonce-we-never-made"});
  EXPECT_EQ(error_of(callback(tampered)), "invalid-id-token") << "the ID token carries another nonce";

  auto broken = provider_->sign_in(start_url("wrong-secret"), user.email, {});
  EXPECT_EQ(error_of(callback(broken)), "oauth-token-exchange-failed") << "the token endpoint refused our secret";
}

TEST_F(OAuthBrowser, TheProvidersKeyRotationIsFollowed) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  ASSERT_EQ(sign_in(user.email).status, 200);
  const auto fetched = server_->app().oidc.jwks_fetch_count("local");
  provider_->rotate_keys();
  auto after = sign_in(user.email);
  ASSERT_EQ(after.status, 200) << "signed with the new key: " << after.body;
  EXPECT_EQ(after.json()["user"]["user_id"], user.user_id);
  EXPECT_GT(server_->app().oidc.jwks_fetch_count("local"), fetched) << "the new key set was fetched";
}

// RFC 9207: an attacker who gets a browser to start at one provider and brings back another's answer
// (a "mix-up") is caught by the issuer the answer names. The provider here, like Google, always sends it.
TEST_F(OAuthBrowser, AnAnswerNamingAnotherIssuerOrNoneIsRefused) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  const std::regex iss("&?iss=[^&]*");
  auto forged = provider_->sign_in(start_url("local"), user.email, {});
  ASSERT_TRUE(std::regex_search(forged.callback, iss)) << forged.callback;
  forged.callback = std::regex_replace(forged.callback, iss, "&iss=https%3A%2F%2Fother-provider.example");
  EXPECT_EQ(error_of(callback(forged)), "oauth-provider-error") << "an answer from another issuer";

  auto stripped = provider_->sign_in(start_url("local"), user.email, {});
  stripped.callback = std::regex_replace(stripped.callback, iss, "");
  EXPECT_EQ(error_of(callback(stripped)), "oauth-provider-error") << "an answer without the iss it always has";

  auto honest = sign_in(user.email);
  ASSERT_EQ(honest.status, 200) << honest.body;
  EXPECT_EQ(honest.json()["user"]["user_id"], user.user_id);
}

TEST_F(OAuthBrowser, ASuspendedAccountIsRefusedAtTheCallback) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  suspend(user.user_id);
  auto back = provider_->sign_in(start_url("local"), user.email, {});
  EXPECT_EQ(error_of(callback(back)), "account-suspended");
}

TEST_F(OAuthBrowser, AClientWithAPrivateKeySignsInWithPrivateKeyJwtAndAWrongKeyIsRefused) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  // The provider accepts the code only with an assertion signed by a key it holds for pm-keyed.
  for (const char* provider : {"keyed-es", "keyed-rs"}) {
    auto in = sign_in(user.email, provider);
    ASSERT_EQ(in.status, 200) << provider << ": " << in.body << provider_->log();
    EXPECT_EQ(in.json()["user"]["user_id"], user.user_id) << provider;
  }
  auto refused = provider_->sign_in(start_url("wrong-key"), user.email, {});
  EXPECT_EQ(error_of(callback(refused)), "oauth-token-exchange-failed")
      << "signed with a key the provider does not know";
}

TEST_F(OAuthBrowser, AFormPostReturnSignsUpThroughTheCallbacksGetWithTheBrowsersCookie) {
  auto email = test::unique_email("newcomer");
  auto back = provider_->sign_in(start_url("form", signup_query()), email, {});
  ASSERT_FALSE(back.form.empty()) << "the provider answered with a redirect, not a form: " << back.callback;
  EXPECT_EQ(back.callback, "/api/v1/auth/oauth/form/callback");
  ASSERT_TRUE(back.form.contains("code") && back.form.contains("state")) << back.form.dump();

  // The name comes only in Apple's `user` field; it must not end up in a URL.
  auto posted =
      form_return(back, {{"user", R"({"name":{"firstName":"Ada","lastName":"Byron"},"email":")" + email + R"("})"}});
  EXPECT_EQ(posted.header("location").find("Ada"), std::string::npos) << posted.header("location");
  auto in = handoff(code_of(follow(posted, back.flow_cookie)), back.flow_cookie);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.json()["user"]["email"], email);
  EXPECT_EQ(in.json()["user"]["first_name"], "Ada") << "the name from the form, which the ID token lacks";

  // The same form again (a replay): its state is used up.
  EXPECT_EQ(error_of(follow(form_return(back), back.flow_cookie)), "oauth-state-invalid");
}

TEST_F(OAuthBrowser, AFormPostReturnIsBoundToTheBrowserAndSaysDenialsAndBadFormsInWords) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  // An attacker's own form return opened in someone else's browser (login CSRF): that browser has
  // no cookie of this flow, or another flow's.
  auto back = provider_->sign_in(start_url("form"), user.email, {});
  EXPECT_EQ(error_of(follow(form_return(back), "")), "oauth-state-invalid");
  back = provider_->sign_in(start_url("form"), user.email, {});
  auto other = provider_->sign_in(start_url("form"), user.email, {});
  EXPECT_EQ(error_of(follow(form_return(back), other.flow_cookie)), "oauth-state-invalid");

  auto denied = provider_->sign_in(start_url("form"), user.email, {.deny = true});
  ASSERT_EQ(denied.form.value("error", ""), "access_denied") << denied.form.dump();
  EXPECT_EQ(error_of(follow(form_return(denied), denied.flow_cookie)), "oauth-denied");

  auto not_a_form = server_->request("POST", "/api/v1/auth/oauth/form/callback", R"({"state":"x"})",
                                     {{"Content-Type", "application/json"}});
  EXPECT_EQ(error_of(not_a_form), "oauth-provider-error");
  auto unknown = server_->request("POST", "/api/v1/auth/oauth/nobody/callback", "state=x&code=y",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(error_of(unknown), "unknown-oauth-provider");
}

TEST_F(OAuthBrowser, ASuspendedAccountIsRefusedAfterAFormPostReturn) {
  auto user = test::sign_up(*server_, test::unique_email("member"));
  verify_email(user.user_id);
  suspend(user.user_id);
  auto back = provider_->sign_in(start_url("form"), user.email, {});
  EXPECT_EQ(error_of(follow(form_return(back), back.flow_cookie)), "account-suspended");
}
