#pragma once
// The Authentication Service: accounts, sign-in, sessions, email verification, password reset.

#include <chrono>
#include <functional>

#include "auth/account_created.hpp"
#include "auth/activity.hpp"
#include "auth/known_device.hpp"
#include "auth/model.hpp"
#include "auth/oidc/code_flow.hpp"
#include "auth/oidc/oidc.hpp"
#include "auth/passwords.hpp"
#include "auth/sessions.hpp"
#include "cache/rate_limit.hpp"
#include "cache/redis.hpp"
#include "core/config.hpp"
#include "core/field_cipher.hpp"
#include "db/pool.hpp"
#include "mail/email_outbox.hpp"

namespace pm::auth {

struct Deps {
  const Config& config;
  db::Pool& db;
  cache::RedisPool& redis;
  SessionStore& sessions;
  const PasswordHasher& hasher;
  const crypto::FieldCipher& cipher;
  const crypto::BlindIndex& email_index;
  mail::EmailOutbox& outbox;
  const oidc::Verifier& oidc;
  const oidc::CodeFlow& oidc_flow;
  AccountCreated account_created;  // the other modules' rows of a new account (account_created.hpp)
};

class Service {
 public:
  explicit Service(Deps deps) : d_(deps), device_tokens_(deps.email_index.derive("known-device token")) {}

  // Creates the account and mails its verification link; the answer is the same when the
  // address already has an account (its owner gets a mail instead). Sign in afterwards.
  Result<void> signup(const SignupInput& input, const ClientInfo& client);
  Result<SignedIn> login(const LoginInput& input, const ClientInfo& client);
  Result<void> logout(const Caller& caller, const ClientInfo& client);
  Result<void> logout_all(const Caller& caller, const ClientInfo& client);
  // The caller's sessions (their devices), and the end of one of them: 404 "not-found" for an id
  // that is not one of the caller's own.
  Result<DeviceSessions> sessions(const Caller& caller);
  Result<void> end_session(const Caller& caller, const std::string& session_id, const ClientInfo& client);
  // The password again (POST /api/v1/me/reauthenticate): for the next kRecentProof the session
  // may do what a session alone must not (require_recent_proof). Counted as a password guess.
  Result<void> reauthenticate(const Caller& caller, const PasswordConfirmInput& in, const ClientInfo& client);
  // 403 reauthentication-required unless the caller's session signed in or gave its password
  // within kRecentProof: whoever holds an old session (a phone left signed in, a former partner's
  // browser) must not take what the data export holds, such as where the owner signs in from.
  Result<void> require_recent_proof(const Caller& caller);
  static constexpr std::chrono::minutes kRecentProof{10};
  // Verifies a sign-up's address, or switches the account to a new address whose change it confirms.
  Result<void> verify_email(std::string_view token, const ClientInfo& client);
  // Mails the account's address a new verification link (the last one retired): 409
  // email-already-verified once it is; a few a day (each is a mail to an address nobody has shown to
  // be the account's: an account made with a stranger's address must not mail it every hour).
  Result<void> resend_verification(const Caller& caller);
  static constexpr int kVerificationMailsPerDay = 3;
  // Always succeeds for a well-formed address (no account enumeration), unless rate limited.
  Result<void> request_password_reset(std::string_view email, const ClientInfo& client);
  Result<void> confirm_password_reset(const ResetConfirmInput& input, const ClientInfo& client);
  Result<void> change_password(const Caller& caller, const PasswordChangeInput& input, const ClientInfo& client);
  // A change of address needs the password; the new address
  // takes effect only when the link mailed to it is used, other sessions end at once, and the old
  // address is told. Returns the account as it still is.
  Result<AccountView> change_email(const Caller& caller, const EmailChangeInput& input, const ClientInfo& client);

  // Re-encrypts every user's PII written with an older key under the active one, in batches;
  // returns how many users were rewritten. Safe to run while serving and to run again.
  Result<long> rotate_keys();

  // Queues a mail to the account's address in the caller's transaction (a moderator's warning).
  // 404 when the account is gone.
  Result<void> mail_user(pqxx::work& tx, const UserId& user_id, const std::string& subject, const std::string& text);
  // Queues a notification (its API JSON) as a mail to the account's address, under the id of its
  // notification outbox row (queued twice: once), with its one-click unsubscribe URL. An account
  // that is gone gets nothing (no error: there is no one left to tell).
  Result<void> mail_notification(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id,
                                 const Json& notification, const std::string& list_unsubscribe);

  // The caller behind a bearer token; also keeps users.last_active (at most one write a minute).
  Result<Caller> authenticate(std::string_view token);
  // The worker's part of ending sessions: runs up to `limit` queued purges of each kind. A
  // suspension's or ban's (auth/restrictions.hpp) ends every session of an account that is still
  // restricted; a credential change's (a new password, a reset, a change of address, a provider
  // taking the account over) ends the sessions it found open. A purge that fails (Redis) is tried
  // again kSessionPurgeRetry later, as often as it takes, and so are the rest of the batch, unasked.
  // Returns how many were claimed, or the problem of a job that could not be recorded (the others
  // are).
  Result<int> end_queued_sessions(int limit);
  static constexpr std::chrono::seconds kSessionPurgeRetry{30};
  // Whether the caller's session has not ended meanwhile (SessionStore::active).
  Result<bool> still_signed_in(const Caller& caller) { return d_.sessions.active(caller); }

  // Signs in with a provider's ID token (OpenID Connect): verified against the provider's keys,
  // then the identity is looked up or linked (see sign_in_external).
  Result<SignedIn> oauth_login(std::string_view provider, std::string_view id_token, std::optional<std::string> nonce,
                               const ClientInfo& client);

  // The browser's sign-in with a provider (oauth_flow.cpp, docs/oauth.md). The start keeps the
  // flow's state, nonce and PKCE verifier in Redis, single use, for kOAuthFlowTtl, bound to the
  // browser by `binding` (a secret the route puts in a cookie); `signup` carries a new account's
  // basics ("Sign up with ..."). The callback checks all that, redeems the code, verifies the ID
  // token and signs in as sign_in_external; the session goes to the web app through a handoff code
  // (single use, kOAuthHandoffTtl, only for the same browser): the token never sits in a URL.
  struct OAuthStarted {
    std::string authorization_url;
    std::string binding;
  };
  const Config& config() const { return d_.config; }
  std::vector<oidc::CodeFlow::Listed> oauth_providers() const { return d_.oidc_flow.providers(); }
  Result<OAuthStarted> oauth_start(std::string_view provider, std::optional<ProfileBasics> signup,
                                   const ClientInfo& client);
  struct OAuthReturn {
    std::string state, code, error;  // the callback's query parameters (empty when absent)
    std::optional<std::string> iss;  // RFC 9207's issuer parameter, when the response has one
  };
  // A form_post provider's return (Apple) before the redirect to the callback's GET: keeps the
  // name that Apple gives only in the first sign-in's `user` field (JSON), for that flow's
  // callback, which has the browser's cookie. Nothing is kept for a state of no flow waiting.
  Result<void> oauth_keep_name(std::string_view state, std::string_view user);
  // The handoff code for oauth_handoff.
  Result<std::string> oauth_callback(std::string_view provider, const OAuthReturn& back, std::string_view binding,
                                     const ClientInfo& client);
  // The SignedIn JSON the callback's handoff code stands for.
  Result<Json> oauth_handoff(std::string_view code, std::string_view binding);
  static constexpr std::chrono::seconds kOAuthFlowTtl{600};
  static constexpr std::chrono::seconds kOAuthHandoffTtl{60};

  // Signs in with an identity a provider vouched for: a known identity, or an account whose
  // address the provider verified (then linked). Creates an account only when the identity brings
  // the new account's basics (the browser's "Sign up with ...") and a verified address. A local account whose
  // address was never verified is taken over by the provider's identity: password dropped, every
  // session ended (whoever made it may not be the address's owner).
  struct ExternalIdentity {
    std::string provider, subject, email, first_name, last_name;
    bool email_verified = false;
    std::optional<ProfileBasics> signup;  // set: make the account if none matches
  };
  Result<SignedIn> sign_in_external(const ExternalIdentity& identity, const ClientInfo& client);

 private:
  // The user's row, then the other modules' rows of a new account (Deps::account_created).
  void create_account(pqxx::work& tx, const NewAccount& account);
  Result<void> limit(const std::string& key, cache::Limit limit, std::string_view what);
  // `redeem` (a link's token used) under the per-client limit of tokens that did not work.
  Result<void> redeem_token(const ClientInfo& client, const std::function<Result<void>()>& redeem);
  Result<void> consume_verification(std::string_view token, const ClientInfo& client);
  // A verification link for `email` (a new token), mailed in `tx`: sign-up's and a resend's.
  void queue_verification(pqxx::work& tx, const UserId& user_id, const std::string& email, const std::string& language);
  Result<void> reset_password(const ResetConfirmInput& input, const ClientInfo& client);
  // Counts a sign-in attempt on the address `index` (login's comment says how), with the
  // known-device token the client sent, checked against `account` (the address's, if it has one).
  struct SignInCount {
    std::optional<std::string> device_id;  // the known device the attempt came from
    std::vector<std::string> cleared_on_success;
  };
  Result<SignInCount> count_sign_in_attempt(const std::string& index, const std::optional<std::string>& device_token,
                                            const std::optional<known_device::Account>& account,
                                            const ClientInfo& client);
  // A session for the account whose credentials, at `credentials_version`, were just checked, and
  // its `sign_in` in the account's log (with `details`); for a suspended or banned account none,
  // and a `sign_in_failed` saying why.
  Result<SignedIn> open_session(AccountView account, long long credentials_version, const ClientInfo& client,
                                const Json& details = Json::object());
  // 403 account-banned or account-suspended (with its end) for a restricted account.
  Result<void> refuse_if_restricted(const UserId& user_id);
  Result<void> count_password_guess(const Caller& caller);
  void forget_password_guesses(const Caller& caller);
  // In a credential change's transaction: counts the change (credentials_version) and queues the
  // purge of the sessions signed in with the credentials before it (but `keep`, the caller's own). After the commit,
  // end_sessions_after_change ends them at once; should Redis fail there, the queued purge ends them once it is back,
  // and the change (committed, its token spent) still answers as done.
  struct CredentialChange {
    UserId user_id;
    long long credentials_version = 0;  // the account's, after the change
    std::optional<std::string> keep;
  };
  CredentialChange queue_end_of_sessions(pqxx::work& tx, const UserId& user_id, const std::optional<std::string>& keep);
  void end_sessions_after_change(const CredentialChange& change);
  // One queued purge (end_queued_sessions); an error means Redis failed.
  Result<void> run_session_purge(bool restriction, const Json& payload);

  Deps d_;
  const crypto::BlindIndex device_tokens_;  // the known-device tokens' MAC (known_device.hpp)
  ActivityMarks activity_;
};

}  // namespace pm::auth
