#include "auth/service.hpp"

#include <algorithm>
#include <functional>
#include <future>
#include <limits>

#include <fmt/format.h>

#include "admin/audit_log.hpp"
#include "auth/bulk.hpp"
#include "auth/known_device.hpp"
#include "auth/repository.hpp"
#include "auth/restrictions.hpp"
#include "core/actor.hpp"
#include "core/client_address.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/validation.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"

namespace pm::auth {

namespace {

constexpr const char* kVerifyEmail = "verify_email";
constexpr const char* kResetPassword = "reset_password";
constexpr const char* kChangeEmail = "change_email";

Problem invalid_credentials() { return Problem("invalid-credentials", "the email or password is wrong"); }

Problem invalid_token(std::string_view what) {
  return Problem("invalid-token", fmt::format("the {} link is invalid, already used or expired", what));
}

std::string new_token() { return crypto::random_hex(32); }

// The name a mail greets its reader by: the account's, once its address is proven; before, none.
// Whoever signs up with someone else's address chooses that name, and a greeting of their words
// ("there! Your account is locked, go to https://...") in a genuine mail of ours is a phishing
// lure sent to a stranger (a reset asked for, a like, a second sign-up).
std::string greeting_name(const repository::CredentialRow& row) { return row.email_verified ? row.first_name : ""; }

// Password guesses are counted per place first (a session, a client) and per account up to this many
// times a place's budget: one place, a stalker's, never locks the owner out; many together meet a
// ceiling.
constexpr int kPlacesPerAccountGuessCeiling = 3;

// Someone else used the address of `owner`'s account (a sign-up with it, a move to it): the day's
// first use queues `mail` to the owner (at `email`), and the first kLoggedAddressUsesPerDay go to
// the owner's security log as `event`, without the IP address (not the owner's to see), the last
// of them saying that later ones that day are not recorded. Either, repeated without end, would
// let a harasser fill the owner's inbox or log.
constexpr int kLoggedAddressUsesPerDay = 20;
void tell_owner_of_use(pqxx::work& tx, mail::EmailOutbox& outbox, const std::string& email_index, const UserId& owner,
                       const std::string& email, const std::function<mail::Rendered()>& mail,
                       const std::string& event) {
  const int uses = repository::count_address_use(tx, email_index);
  if (uses == 1) outbox.enqueue(tx, owner, email, mail());
  if (uses > kLoggedAddressUsesPerDay) return;
  admin::AuditEntry entry{.user_id = owner, .event = event, .someone_elses = true};
  if (uses == kLoggedAddressUsesPerDay) entry.details = {{"later_uses_today", "not recorded"}};
  admin::record(tx, entry);
}

std::string login_guesses_of_account(const std::string& email_index) {
  return "ratelimit:auth:login:account:" + email_index;
}

std::string login_guesses_from_client(const std::string& email_index, const std::string& ip) {
  return login_guesses_of_account(email_index) + ":client:" + client_key(ip);
}

// The owner taking the account back (a new password, or a provider proving the address) ends
// every change of address still waiting: whoever asked for it knew the old password (phished, or
// the account's pre-hijacker), and its link, in their inbox, would otherwise move the account to
// their address after the owner had shut them out.
void retire_pending_email_changes(pqxx::work& tx, const UserId& user_id) {
  repository::retire_tokens(tx, user_id, kChangeEmail);
}

Result<repository::Standing> standing_of(db::Pool& db, const UserId& user_id) {
  return db::transact(
      db, [&](pqxx::work& tx) -> Result<repository::Standing> { return repository::standing_of(tx, user_id); });
}

// 403 account-banned or account-suspended (with its end) for a restricted account.
Result<void> refuse_restricted(const repository::Standing& standing) {
  if (standing.banned)
    return std::unexpected(Problem("account-banned", "this account was closed for breaking the rules"));
  if (standing.suspended_until) {
    Problem p("account-suspended", fmt::format("this account is suspended until {}", *standing.suspended_until));
    p.extensions["suspended_until"] = *standing.suspended_until;
    return std::unexpected(p);
  }
  return {};
}

// What own_account_if answers when the account has no password (what to do instead) and when
// the password is wrong, and the body's key the password came in (named by a wrong-password).
struct ProofMessages {
  std::string_view no_password;
  std::string_view wrong;
  std::string_view field = "password";
};

// The caller's account, once `password` proved to be its password: else 404 not-found, 409
// no-password (it signs in with a provider) or 403 wrong-password. The caller counts the guess first.
Result<repository::CredentialRow> own_account_if(pqxx::work& tx, const PasswordHasher& hasher, const Caller& caller,
                                                 const std::string& password, const ProofMessages& messages) {
  auto row = repository::find_by_id(tx, caller.user_id);
  if (!row) return std::unexpected(Problem("not-found", "the account no longer exists"));
  if (!row->password_hash)
    return std::unexpected(
        Problem("no-password",
                fmt::format("this account signs in with a provider and has no password; {}", messages.no_password)));
  if (!hasher.verify(*row->password_hash, password))
    return std::unexpected(about_field(Problem("wrong-password", std::string(messages.wrong)), messages.field));
  return std::move(*row);
}

// A wrong password given by a signed-in session (a change of password or address, a
// re-authentication) goes in the owner's security log, with where it came from: someone holding
// the session and guessing shows there. Recorded apart, as the request's transaction rolled back.
template <class T>
Result<T> noting_wrong_password(db::Pool& db, const Caller& caller, const ClientInfo& client, Result<T> done) {
  if (!done && done.error().type == "wrong-password")
    (void)db::transact(db, [&](pqxx::work& tx) -> Result<void> {
      admin::record(tx, {.user_id = caller.user_id, .event = "password_check_failed", .ip = client.ip});
      return {};
    });
  return done;
}

}  // namespace

Result<void> Service::limit(const std::string& key, cache::Limit limit, std::string_view what) {
  return cache::enforce(d_.redis, key, limit, what);
}

Result<void> Service::refuse_if_restricted(const UserId& user_id) {
  return refuse_restricted(PM_TRY(standing_of(d_.db, user_id)));
}

Result<SignedIn> Service::open_session(AccountView account, long long credentials_version, const ClientInfo& client,
                                       const Json& details) {
  // Every way in (password, provider) ends here: a suspended or banned account gets no session, and
  // its log (staff's trail of it, its own export) says the sign-in was refused, not that it was made.
  // (The `sign_in` is written before the session exists, as it always was: a restriction or change
  // committed in the moment between adds its `sign_in_failed` after it, below.)
  auto record = [&](const Problem* refused) -> Result<void> {
    Json entry = details;
    if (refused) entry["refused"] = refused->type;
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      admin::record(tx, {.user_id = account.user_id,
                         .event = refused ? "sign_in_failed" : "sign_in",
                         .ip = client.ip,
                         .details = entry});
      return {};
    });
  };
  if (auto restricted = refuse_if_restricted(account.user_id); !restricted) {
    // (Not a refusal but an outage, when the account's standing could not be read: nothing to log.)
    if (!restricted.error().is_outage()) PM_TRY(record(&restricted.error()));
    return std::unexpected(restricted.error());
  }
  PM_TRY(record(nullptr));
  auto token = PM_TRY(d_.sessions.create(account.user_id, {client.user_agent, client.ip, credentials_version}));
  // Asked again now that the session exists: a restriction or credential change committed since
  // the account was read ran its purge before there was a session to end. (One committed after
  // this second question purges the session itself.) A sign-in that checked the password a
  // moment before a reset would otherwise keep a session the reset meant to end, and could repeat.
  auto allowed = [&]() -> Result<void> {
    auto standing = PM_TRY(standing_of(d_.db, account.user_id));
    PM_TRY(refuse_restricted(standing));
    if (standing.credentials_version != credentials_version)
      return std::unexpected(
          Problem("sign-in-interrupted", "the account's password or address changed while signing in; sign in again"));
    return {};
  }();
  if (!allowed) {
    // Should this fail, the restriction's or change's job ends the session (its version is older),
    // unless a restriction's already ran before the session existed (left alone: docs/security.md).
    (void)d_.sessions.end({account.user_id, SessionStore::session_id(token)});
    if (!allowed.error().is_outage()) (void)record(&allowed.error());
    return std::unexpected(allowed.error());
  }
  return SignedIn{std::move(account), std::move(token)};
}

Result<void> Service::run_session_purge(bool restriction, const Json& payload) {
  const auto user_id = UserId::parse(payload.value("user_id", std::string()));
  if (!user_id) return {};
  if (!restriction) {
    const auto keep = payload.contains("keep") ? std::optional(payload.value("keep", std::string())) : std::nullopt;
    // Without its version (a payload that is not this code's, or one queued before versions were
    // counted), every session but `keep` ends: the safe side.
    const auto version = payload.contains("credentials_version") && payload["credentials_version"].is_number_integer()
                             ? payload["credentials_version"].get<long long>()
                             : std::numeric_limits<long long>::max();
    return d_.sessions.end_credentials_before(*user_id, version, keep);
  }
  // A restriction that ended meanwhile (a suspension's last day) leaves the new sessions be.
  // (Should the question itself fail, the account counts as restricted: its sessions end.)
  if (refuse_if_restricted(*user_id)) return {};
  return d_.sessions.end_all(*user_id);
}

Result<int> Service::end_queued_sessions(int limit) {
  actor::Scope system(actor::Scope::system());  // the jobs and accounts of every user
  struct Purge {
    jobs::Claimed job;
    bool restriction;
  };
  auto claimed = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<Purge>> {
    std::vector<Purge> purges;
    for (auto& job : jobs::claim(tx, kEndSessionsJob, limit)) purges.push_back({std::move(job), true});
    for (auto& job : jobs::claim(tx, kEndEarlierSessionsJob, limit)) purges.push_back({std::move(job), false});
    return purges;
  }));
  Result<int> out = static_cast<int>(claimed.size());
  // Once Redis failed, the rest of the batch is postponed without asking it again: a Redis that
  // times out would otherwise hold the worker's other work up for every job of the batch.
  std::optional<std::string> redis_failed;
  for (const auto& [job, restriction] : claimed) {
    if (!redis_failed)
      if (auto ended = run_session_purge(restriction, job.payload); !ended) redis_failed = ended.error().type;
    // A Redis outage is no fault of the job's and does not use up its attempts: the sessions must
    // end however long Redis was away.
    auto recorded = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      if (redis_failed)
        jobs::postpone(tx, job, *redis_failed, kSessionPurgeRetry);
      else
        jobs::finish(tx, job, std::nullopt);
      return {};
    });
    // Each job is recorded on its own: one that could not be leaves the others' records standing
    // (it is taken again once its lease passes).
    if (!recorded) {
      log::warn("session_purge_unrecorded", {{"job_id", job.job_id}, {"error", recorded.error().type}});
      out = std::unexpected(recorded.error());
    }
  }
  if (redis_failed) log::warn("session_purges_postponed", {{"error", *redis_failed}, {"claimed", claimed.size()}});
  return out;
}

Service::CredentialChange Service::queue_end_of_sessions(pqxx::work& tx, const UserId& user_id,
                                                         const std::optional<std::string>& keep) {
  CredentialChange change{user_id, repository::bump_credentials_version(tx, user_id), keep};
  Json payload = {{"user_id", user_id.str()}, {"credentials_version", change.credentials_version}};
  if (keep) payload["keep"] = *keep;
  jobs::enqueue(tx, kEndEarlierSessionsJob, payload);
  return change;
}

void Service::end_sessions_after_change(const CredentialChange& change) {
  // The same sessions as the queued purge: a sign-in with the new credentials since the commit stays.
  if (auto ended = d_.sessions.end_credentials_before(change.user_id, change.credentials_version, change.keep); !ended)
    log::warn("session_purge_queued", {{"user_id", change.user_id.str()}, {"error", ended.error().type}});
}

void Service::create_account(pqxx::work& tx, const NewAccount& account) {
  bulk::insert_account(tx, account, d_.account_created);  // the one way an account is made, the demo's too
}

Result<void> Service::signup(const SignupInput& in, const ClientInfo& client) {
  PM_TRY(limit("ratelimit:auth:signup:ip:" + client_key(client.ip),
               {d_.config.signup_limit_per_ip, d_.config.signup_window}, "sign-ups"));
  PM_TRY(check_password_policy(in.password, in.email));

  const UserId user_id(crypto::uuid_v4());
  const auto index = d_.email_index(in.email);
  const auto hash = d_.hasher.hash(in.password);  // slow on purpose: outside the transaction
  // Whether an address has an account is private (someone's partner may be asking), so the answer
  // is the same either way; the owner of a taken address is told by mail instead.
  auto owner_told = [&](pqxx::work& tx, const repository::CredentialRow& owner) {
    tell_owner_of_use(
        tx, d_.outbox, index, owner.user_id, in.email,
        [&] {
          return mail::signup_with_taken_address(mail::Links{d_.config.public_url}, owner.language,
                                                 greeting_name(owner));
        },
        "signup_existing_email");
    return Result<void>{};
  };
  auto create = [&](pqxx::work& tx) -> Result<void> {
    if (repository::email_banned(tx, index))
      return std::unexpected(Problem("account-banned", "this address belongs to an account that was closed"));
    if (auto owner = repository::find_by_email_index(tx, index)) return owner_told(tx, *owner);
    create_account(tx, {.user_id = user_id,
                        .email_encrypted = d_.cipher.encrypt(in.email, email_context(user_id)),
                        .email_index = index,
                        .password_hash = hash,
                        .auth_provider = "password",
                        .first_name = in.first_name,
                        .last_name_encrypted =
                            in.last_name ? std::optional(d_.cipher.encrypt(*in.last_name, last_name_context(user_id)))
                                         : std::nullopt,
                        .birth_date = format_date(in.birth_date),
                        .gender = in.gender,
                        .seeking_gender = in.seeking_gender,
                        .language = in.language});
    queue_verification(tx, user_id, in.email, in.language);
    admin::record(tx, {.user_id = user_id, .event = "signup", .ip = client.ip});
    return {};
  };
  try {
    PM_TRY(db::transact(d_.db, create));
  } catch (const pqxx::unique_violation&) {
    PM_TRY(db::transact(d_.db, create));  // the same address signing up twice at once: now the owner is told
  }
  d_.outbox.kick();
  return {};
}

Result<void> Service::mail_user(pqxx::work& tx, const UserId& user_id, const std::string& subject,
                                const std::string& text) {
  auto row = repository::find_by_id(tx, user_id);
  if (!row) return std::unexpected(Problem("not-found", "the account no longer exists"));
  auto email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(user_id)));
  d_.outbox.enqueue(
      tx, user_id, email,
      mail::account_message(mail::Links{d_.config.public_url}, row->language, greeting_name(*row), subject, text));
  return {};
}

Result<void> Service::mail_notification(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id,
                                        const Json& notification, const std::string& list_unsubscribe) {
  db::AsSystem system(tx);  // the worker delivers for every user
  auto row = repository::find_by_id(tx, user_id);
  if (!row) return {};
  auto email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(user_id)));
  d_.outbox.enqueue_as(
      tx, outbox_id, user_id, email,
      mail::notification(mail::Links{d_.config.public_url}, row->language, greeting_name(*row), notification),
      list_unsubscribe);
  return {};
}

Result<Service::SignInCount> Service::count_sign_in_attempt(const std::string& index,
                                                            const std::optional<std::string>& device_token,
                                                            const std::optional<known_device::Account>& account,
                                                            const ClientInfo& client) {
  const auto account_key = login_guesses_of_account(index);
  const cache::Limit per_client{d_.config.login_limit_per_account, d_.config.login_window};
  SignInCount count;
  if (device_token && account)
    count.device_id = known_device::device_of(device_tokens_, *account, *device_token, Clock::now());
  if (count.device_id) {
    const auto device_key = account_key + ":device:" + *count.device_id;
    count.cleared_on_success.push_back(device_key);
    if (PM_TRY(cache::hit(d_.redis, device_key, per_client)).allowed) return count;
    // Its own budget is spent (someone who copied the token spent it): the attempt is counted as
    // any client's, so a copy spends its budget and no more, and the owner there is then no worse
    // off than on a device never signed in.
  }
  PM_TRY(limit("ratelimit:auth:login:ip:" + client_key(client.ip),
               {d_.config.login_limit_per_ip, d_.config.login_window}, "sign-in attempts"));
  const auto client_key = login_guesses_from_client(index, client.ip);
  PM_TRY(limit(client_key, per_client, "sign-in attempts for this account from here"));
  PM_TRY(limit(account_key, {per_client.max * kPlacesPerAccountGuessCeiling, per_client.window},
               "sign-in attempts for this account"));
  count.cleared_on_success.push_back(client_key);
  // The ceiling stays for a known device whose own budget a copy spent: the owner signing in there
  // must not give the guessers a fresh one either.
  if (!count.device_id) count.cleared_on_success.push_back(account_key);
  return count;
}

Result<SignedIn> Service::login(const LoginInput& in, const ClientInfo& client) {
  const auto index = d_.email_index(in.email);
  auto look_up = [&] {
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<repository::CredentialRow>> {
      return repository::find_by_email_index(tx, index);
    });
  };
  // Every attempt is counted before the password is checked, and a success clears the counts: so
  // parallel guesses cannot all pass a check made before any of them is recorded. Counted per
  // client (its address, across accounts), then per account and client: someone who knows the
  // address and guesses from one place no longer locks its owner out (with one count per account,
  // ten wrong guesses every 15 minutes kept the owner's right password at 429 for good); then per
  // account, up to a few times that, so guesses spread over many clients still meet a ceiling. A
  // guess its client's count refuses does not count towards the account. (All are counted for any
  // address, so none says whether it has an account.)
  //
  // A device that signed in here before (its known-device token, valid for the account's present
  // credentials) is counted on its own instead, and neither against the ceiling nor its address's
  // budget: guesses from elsewhere, however many clients they come from, and a neighbour's on a
  // shared address do not lock the owner out of the devices they use. Its success clears its own
  // count only: the owner signing in there must not give the guessers a fresh ceiling.
  //
  // The token is checked against the account as it stands, so with one the look-up comes first;
  // without, the counts do, and an attempt they refuse costs no trip to the database. (Any string
  // sent as a token, genuine or not, buys one indexed read before the counts: a cost, not a way
  // past them.)
  std::optional<repository::CredentialRow> row;
  if (in.device) row = PM_TRY(look_up());
  auto account = [&]() -> std::optional<known_device::Account> {
    if (!row) return std::nullopt;
    return known_device::Account{row->user_id, index, row->credentials_version};
  };
  const auto count = PM_TRY(count_sign_in_attempt(index, in.device, account(), client));
  if (!in.device) row = PM_TRY(look_up());

  bool ok = false;
  if (row && row->password_hash)
    ok = d_.hasher.verify(*row->password_hash, in.password);
  else
    d_.hasher.burn();  // an unknown account costs the same time as a wrong password

  const UserId user_id = row ? row->user_id : UserId();
  if (!ok) {
    (void)db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      admin::record(tx, {.user_id = user_id, .event = "sign_in_failed", .ip = client.ip});
      return {};
    });
    return std::unexpected(invalid_credentials());
  }
  for (const auto& key : count.cleared_on_success) cache::clear(d_.redis, key);
  if (d_.hasher.needs_rehash(*row->password_hash))
    PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      repository::rehash_password(tx, user_id, *row->password_hash, d_.hasher.hash(in.password));
      return {};
    }));
  auto email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(user_id)));
  auto signed_in = PM_TRY(open_session({.user_id = user_id,
                                        .email = email,
                                        .email_verified = row->email_verified,
                                        .first_name = row->first_name,
                                        .auth_provider = row->auth_provider},
                                       row->credentials_version, client));
  signed_in.device = known_device::issue(device_tokens_, *account(),
                                         count.device_id.value_or(known_device::new_device_id()), Clock::now());
  return signed_in;
}

Result<void> Service::logout(const Caller& caller, const ClientInfo& client) {
  PM_TRY(d_.sessions.end(caller));
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    admin::record(tx, {.user_id = caller.user_id, .event = "sign_out", .ip = client.ip});
    return {};
  });
}

Result<void> Service::logout_all(const Caller& caller, const ClientInfo& client) {
  // A credential change: every session ends, and every device's known-device token with them.
  const auto change = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<CredentialChange> {
    admin::record(tx, {.user_id = caller.user_id, .event = "sign_out_all", .ip = client.ip});
    return queue_end_of_sessions(tx, caller.user_id, std::nullopt);
  }));
  end_sessions_after_change(change);
  return {};
}

Result<DeviceSessions> Service::sessions(const Caller& caller) {
  return DeviceSessions::of(PM_TRY(d_.sessions.records(caller.user_id)), caller.session_id);
}

Result<void> Service::end_session(const Caller& caller, const std::string& session_id, const ClientInfo& client) {
  auto records = PM_TRY(d_.sessions.records(caller.user_id));
  if (std::ranges::find(records, session_id, &SessionRecord::session_id) == records.end())
    return std::unexpected(Problem("not-found", "none of your sessions has this id"));
  PM_TRY(d_.sessions.end({caller.user_id, session_id}));
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    admin::record(tx, {.user_id = caller.user_id,
                       .event = "sign_out",
                       .ip = client.ip,
                       .details = {{"session", session_id == caller.session_id ? "this" : "another"}}});
    return {};
  });
}

Result<void> Service::redeem_token(const ClientInfo& client, const std::function<Result<void>()>& redeem) {
  // Tokens cannot be guessed (256 bits), but each miss costs a write: the misses from a client are
  // counted like reset requests. A link that works gives its count back, so people behind one
  // address (an office, a carrier's NAT) do not use up each other's verifications.
  const std::string key = "ratelimit:auth:token:ip:" + client_key(client.ip);
  PM_TRY(limit(key, {d_.config.reset_limit_per_ip, d_.config.reset_window}, "attempts with a link from a mail"));
  auto redeemed = redeem();
  if (redeemed || redeemed.error().type != "invalid-token") cache::give_back(d_.redis, key);
  return redeemed;
}

Result<void> Service::verify_email(std::string_view token, const ClientInfo& client) {
  return redeem_token(client, [&] { return consume_verification(token, client); });
}

void Service::queue_verification(pqxx::work& tx, const UserId& user_id, const std::string& email,
                                 const std::string& language) {
  const auto token = new_token();
  repository::insert_token(tx, crypto::sha256_hex(token), user_id, kVerifyEmail, d_.config.verify_token_ttl.count());
  d_.outbox.enqueue(tx, user_id, email,
                    mail::verify_email(mail::Links{d_.config.public_url}, language, token,
                                       d_.config.verify_token_ttl.count() / 3600));
}

Result<void> Service::resend_verification(const Caller& caller) {
  PM_TRY(limit("ratelimit:auth:verification-mail:user:" + caller.user_id.str(),
               {kVerificationMailsPerDay, std::chrono::hours(24)}, "verification mails"));
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto row = repository::find_by_id(tx, caller.user_id);
    if (!row) return std::unexpected(Problem("unauthenticated", "the account no longer exists"));
    if (row->email_verified)
      return std::unexpected(Problem("email-already-verified", "the account's address is verified already"));
    auto email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(caller.user_id)));
    // One link at a time: the one mailed before (lost, expired) no longer works.
    repository::retire_tokens(tx, caller.user_id, kVerifyEmail);
    queue_verification(tx, caller.user_id, email, row->language);
    return {};
  }));
  d_.outbox.kick();
  return {};
}

Result<void> Service::consume_verification(std::string_view token, const ClientInfo& client) {
  Problem taken("email-taken", "an account with this email already exists; the address was not changed");
  try {
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      auto found = repository::consume_email_token(tx, crypto::sha256_hex(token));
      if (!found) return std::unexpected(invalid_token("verification"));
      if (found->purpose == kVerifyEmail) {
        repository::mark_email_verified(tx, found->user_id);
        admin::record(tx, {.user_id = found->user_id, .event = "email_verified", .ip = client.ip});
        return {};
      }
      // A change of address, confirmed from the new address's inbox: it switches now.
      if (repository::email_index_taken(tx, *found->new_email_index)) return std::unexpected(taken);
      repository::set_verified_email(tx, found->user_id, *found->new_email_encrypted, *found->new_email_index);
      repository::retire_tokens(tx, found->user_id, kVerifyEmail);
      // A reset link mailed to the old address (whoever reads it now) must not outlive the move.
      repository::retire_tokens(tx, found->user_id, kResetPassword);
      admin::record(tx, {.user_id = found->user_id, .event = "email_change", .ip = client.ip});
      return {};
    });
  } catch (const pqxx::unique_violation&) {
    return std::unexpected(taken);  // taken by another account at the same moment
  }
}

Result<void> Service::request_password_reset(std::string_view email, const ClientInfo& client) {
  PM_TRY(limit("ratelimit:auth:reset:ip:" + client_key(client.ip),
               {d_.config.reset_limit_per_ip, d_.config.reset_window}, "password reset requests"));
  const auto index = d_.email_index(email);
  // Counted per address whether or not an account has it, so the limit reveals nothing either.
  PM_TRY(limit("ratelimit:auth:reset:account:" + index, {d_.config.reset_limit_per_account, d_.config.reset_window},
               "password reset requests for this address"));

  const auto token = new_token();
  // The account's work (a token, a mail) runs beside a password hash's worth of time that every
  // request burns, and is answered when both are done: an address with an account takes as long as
  // one without. (Done one after the other, the work added ~2.5 ms to ~25: a few tries told.)
  auto work = std::async(std::launch::async, [&, who = actor::current()] {
    actor::Scope as(who);  // the request's actor (the system, its request id and IP) on this thread too
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
      auto row = repository::find_by_email_index(tx, index);
      if (!row) return false;
      repository::retire_tokens(tx, row->user_id, kResetPassword);
      repository::insert_token(tx, crypto::sha256_hex(token), row->user_id, kResetPassword,
                               d_.config.reset_token_ttl.count());
      d_.outbox.enqueue(tx, row->user_id, std::string(email),
                        mail::reset_password(mail::Links{d_.config.public_url}, row->language, greeting_name(*row),
                                             token, d_.config.reset_token_ttl.count() / 60));
      return true;
    });
  });
  d_.hasher.burn();
  auto queued = work.get();
  if (!queued) return std::unexpected(queued.error());
  if (*queued) d_.outbox.kick();
  return {};
}

namespace {

std::string password_guesses_of_session(const Caller& caller) {
  return "ratelimit:auth:password:session:" + caller.session_id;
}

std::string password_guesses_of_account(const UserId& user_id) {
  return "ratelimit:auth:password:account:" + user_id.str();
}

}  // namespace

Result<void> Service::confirm_password_reset(const ResetConfirmInput& in, const ClientInfo& client) {
  return redeem_token(client, [&] { return reset_password(in, client); });
}

Result<void> Service::reset_password(const ResetConfirmInput& in, const ClientInfo& client) {
  std::optional<CredentialChange> change;
  std::string index;
  UserId user_id;
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto user = repository::consume_token(tx, crypto::sha256_hex(in.token), kResetPassword);
    if (!user) return std::unexpected(invalid_token("password reset"));
    user_id = *user;
    auto row = repository::find_by_id(tx, *user);
    auto email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(*user)));
    index = d_.email_index(email);
    // A refused password rolls back, so the token can be used again with a better one.
    PM_TRY(check_password_policy(in.password, email));
    repository::set_password(tx, *user, d_.hasher.hash(in.password));
    // One link at a time: another asked for at the same moment (two tabs, a double click: neither
    // request saw the other's token to retire it) could otherwise undo this password for an hour.
    repository::retire_tokens(tx, *user, kResetPassword);
    retire_pending_email_changes(tx, *user);
    // Receiving the mail proves the address.
    repository::mark_email_verified(tx, *user);
    admin::record(tx, {.user_id = *user, .event = "password_reset", .ip = client.ip});
    change = queue_end_of_sessions(tx, *user, std::nullopt);
    return {};
  }));
  // The owner proved the address: the guesses counted against the account, at sign-in and from
  // its sessions, no longer hold them up, nor those from the client she proved it from (a shared
  // address, where someone else's guesses kept her waiting); another client's or a session's own
  // count still does.
  cache::clear(d_.redis, login_guesses_of_account(index));
  cache::clear(d_.redis, login_guesses_from_client(index, client.ip));
  cache::clear(d_.redis, password_guesses_of_account(user_id));
  end_sessions_after_change(*change);
  return {};
}

Result<void> Service::count_password_guess(const Caller& caller) {
  // Counted before the check, like sign-ins: a stolen session cannot guess the password freely,
  // and parallel guesses cannot all pass a check made before any of them is recorded. Counted per
  // session first: whoever holds a stolen session uses up its guesses only, and the owner, signed
  // in elsewhere, can still confirm, change or delete (with one count per account, a stalker's
  // guesses locked the owner out of all three for the window). A guess its session refuses is not
  // counted towards the account.
  const cache::Limit per_session{d_.config.login_limit_per_account, d_.config.login_window};
  PM_TRY(limit(password_guesses_of_session(caller), per_session, "password attempts from this session"));
  return limit(password_guesses_of_account(caller.user_id),
               {per_session.max * kPlacesPerAccountGuessCeiling, per_session.window},
               "password attempts for this account");
}

void Service::forget_password_guesses(const Caller& caller) {
  // The session's own count only: the account's ceiling keeps counting the other sessions' guesses.
  cache::clear(d_.redis, password_guesses_of_session(caller));
}

Result<void> Service::change_password(const Caller& caller, const PasswordChangeInput& in, const ClientInfo& client) {
  PM_TRY(count_password_guess(caller));
  std::optional<CredentialChange> change;
  auto checked = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto row = PM_TRY(own_account_if(tx, d_.hasher, caller, in.current_password,
                                     {.no_password = "set one with a password reset",
                                      .wrong = "the current password is wrong",
                                      .field = "current_password"}));
    auto email = PM_TRY(d_.cipher.decrypt(row.email_encrypted, email_context(caller.user_id)));
    PM_TRY(check_password_policy(in.new_password, email, "new_password"));
    repository::set_password(tx, caller.user_id, d_.hasher.hash(in.new_password));
    retire_pending_email_changes(tx, caller.user_id);
    repository::retire_tokens(tx, caller.user_id, kResetPassword);  // an earlier link would undo the change
    admin::record(tx, {.user_id = caller.user_id, .event = "password_change", .ip = client.ip});
    change = queue_end_of_sessions(tx, caller.user_id, caller.session_id);  // every other device signs in again
    return {};
  });
  PM_TRY(noting_wrong_password(d_.db, caller, client, std::move(checked)));
  forget_password_guesses(caller);
  end_sessions_after_change(*change);
  return {};
}

Result<void> Service::reauthenticate(const Caller& caller, const PasswordConfirmInput& in, const ClientInfo& client) {
  PM_TRY(count_password_guess(caller));
  auto checked = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    PM_TRY(
        own_account_if(tx, d_.hasher, caller, in.password,
                       {.no_password = "sign in with the provider again instead", .wrong = "the password is wrong"}));
    admin::record(tx, {.user_id = caller.user_id, .event = "reauthenticated", .ip = client.ip});
    return {};
  });
  PM_TRY(noting_wrong_password(d_.db, caller, client, std::move(checked)));
  forget_password_guesses(caller);
  return d_.sessions.mark_password_confirmed(caller);
}

Result<void> Service::require_recent_proof(const Caller& caller) {
  auto since = PM_TRY(d_.sessions.since_proved(caller));
  if (!since) return std::unexpected(Problem("unauthenticated", "the session has ended; sign in again"));
  if (*since <= kRecentProof) return {};
  return std::unexpected(Problem("reauthentication-required",
                                 fmt::format("enter your password again first, or sign in again: this needs a "
                                             "sign-in from the last {} minutes",
                                             kRecentProof.count())));
}

Result<AccountView> Service::change_email(const Caller& caller, const EmailChangeInput& in, const ClientInfo& client) {
  PM_TRY(count_password_guess(caller));
  const auto index = d_.email_index(in.email);
  const auto token = new_token();
  std::optional<CredentialChange> change;
  auto checked = db::transact(d_.db, [&](pqxx::work& tx) -> Result<AccountView> {
    // The password is the proof that the owner, not a stolen session, moves the account.
    auto row = PM_TRY(own_account_if(
        tx, d_.hasher, caller, in.password,
        {.no_password = "set one with a password reset, then change the address", .wrong = "the password is wrong"}));
    auto old_email = PM_TRY(d_.cipher.decrypt(row.email_encrypted, email_context(caller.user_id)));
    if (old_email == in.email)
      return std::unexpected(about_field(Problem("same-email", "this is already your address"), "email"));
    // Each change asked for mails the old address and, for a taken one, writes into its owner's
    // log: a budget a day, so no one fills another's log by asking again and again. Counted once
    // the password is right: a stolen session's wrong guesses do not spend the owner's budget.
    const cache::Limit per_day{d_.config.email_change_limit_per_day, std::chrono::hours(24)};
    const std::string own_budget = "ratelimit:auth:email-change:user:" + caller.user_id.str();
    PM_TRY(limit(own_budget, per_day, "changes of address"));
    // And per address asked for, which a confirmation is mailed to: accounts made by the dozen
    // could otherwise each send a stranger's inbox their day's confirmations. Counted by the
    // accounts that ask for it (one asking again counts once, so no single account keeps the
    // address's owner from moving to it), whether or not an account has the address, so the
    // refusal tells nothing; refused, it takes nothing from the asker's own budget.
    if (auto room = cache::enforce_distinct(d_.redis, "ratelimit:auth:email-change:address:" + index,
                                            caller.user_id.str(), per_day, "accounts asking for this address");
        !room) {
      cache::give_back(d_.redis, own_budget);
      return std::unexpected(room.error());
    }

    repository::retire_tokens(tx, caller.user_id, kChangeEmail);
    // The same answer whether or not the new address has an account: its owner is told instead,
    // by mail once a day, and in their security log (like a sign-up with their address).
    bool taken = false;
    {
      // Every account's address, not only the profiles the caller may see; and the owner's mail
      // and log entry, which are not the caller's rows.
      db::AsSystem system(tx);
      if (auto owner = repository::find_by_email_index(tx, index)) {
        taken = true;
        tell_owner_of_use(
            tx, d_.outbox, index, owner->user_id, in.email,
            [&] { return mail::new_address_taken(mail::Links{d_.config.public_url}, owner->language); },
            "email_change_existing_email");
      }
    }
    if (!taken) {
      repository::insert_email_change_token(tx, crypto::sha256_hex(token), caller.user_id,
                                            d_.cipher.encrypt(in.email, email_context(caller.user_id)), index,
                                            d_.config.verify_token_ttl.count());
      d_.outbox.enqueue(tx, caller.user_id, in.email,
                        mail::confirm_new_email(mail::Links{d_.config.public_url}, row.language, token));
    }
    // The old address hears of it at once: if this was not the owner, they can act before it happens.
    d_.outbox.enqueue(
        tx, caller.user_id, old_email,
        mail::email_change_requested(mail::Links{d_.config.public_url}, row.language, greeting_name(row)));
    admin::record(tx, {.user_id = caller.user_id, .event = "email_change_requested", .ip = client.ip});
    change = queue_end_of_sessions(tx, caller.user_id, caller.session_id);  // every other device signs in again
    return AccountView{.user_id = caller.user_id,
                       .email = old_email,
                       .email_verified = row.email_verified,
                       .first_name = row.first_name,
                       .auth_provider = row.auth_provider};
  });
  auto proved = noting_wrong_password(d_.db, caller, client, std::move(checked));
  // Anything but a wrong password got past the check (the day's budget and a same address are
  // refused after it): not a guess, so the session's count of guesses forgets it.
  if (proved || proved.error().type != "wrong-password") forget_password_guesses(caller);
  auto account = PM_TRY(std::move(proved));
  d_.outbox.kick();
  end_sessions_after_change(*change);
  return account;
}

Result<long> Service::rotate_keys() {
  constexpr int kBatch = 500;
  long total = 0;
  for (;;) {
    const int batch = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<int> {
      auto rows = repository::stale_encrypted_fields(tx, d_.cipher.active_key_id(), kBatch);
      for (auto& row : rows) {
        auto email = PM_TRY(d_.cipher.decrypt(row.email, email_context(row.user_id)));
        row.email = d_.cipher.encrypt(email, email_context(row.user_id));
        if (row.last_name) {
          auto last = PM_TRY(d_.cipher.decrypt(*row.last_name, last_name_context(row.user_id)));
          row.last_name = d_.cipher.encrypt(last, last_name_context(row.user_id));
        }
        repository::set_encrypted_fields(tx, row);
      }
      // The last batch: the rotation is recorded with it (an operator's command, so no actor).
      if (static_cast<int>(rows.size()) < kBatch)
        admin::record(tx, {.event = "key_rotation",
                           .details = {{"active_key", d_.cipher.active_key_id()},
                                       {"users_reencrypted", total + static_cast<long>(rows.size())}}});
      return static_cast<int>(rows.size());
    }));
    total += batch;
    if (batch < kBatch) return total;
  }
}

Result<Caller> Service::authenticate(std::string_view token) {
  auto caller = PM_TRY(d_.sessions.resolve(token));
  if (!activity_.due(caller.user_id.str())) return caller;  // this node asked within the minute
  auto first_this_minute = d_.redis.command({"SET", "last_active:" + caller.user_id.str(), "1", "NX", "EX", "60"});
  if (first_this_minute && !first_this_minute->is_nil()) {
    // Best effort: a request is not refused because its owner's row was locked past the
    // statement timeout (an export, a deletion under way); transact says so as a Problem.
    actor::Scope as_caller(actor::Scope::user(caller.user_id));
    auto touched = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
      repository::touch_last_active(tx, caller.user_id);
      return {};
    });
    if (!touched) log::warn("last_active_not_touched", {{"error", touched.error().type}});
  }
  return caller;
}

Result<SignedIn> Service::oauth_login(std::string_view provider, std::string_view id_token,
                                      std::optional<std::string> nonce, const ClientInfo& client) {
  PM_TRY(limit("ratelimit:auth:login:ip:" + client_key(client.ip),
               {d_.config.login_limit_per_ip, d_.config.login_window}, "sign-in attempts"));
  auto claims =
      PM_TRY(d_.oidc.verify(provider, id_token, nonce ? std::optional<std::string_view>(*nonce) : std::nullopt));
  return sign_in_external({.provider = std::string(provider),
                           .subject = claims.subject,
                           .email = claims.email,
                           .first_name = claims.given_name,
                           .last_name = claims.family_name,
                           .email_verified = claims.email_verified},
                          client);
}

Result<SignedIn> Service::sign_in_external(const ExternalIdentity& id, const ClientInfo& client) {
  std::optional<CredentialChange> takeover;  // its change, if a provider took the account over
  long long credentials_version = 0;         // after the takeover's own change, if there was one
  auto sign_in = [&](pqxx::work& tx) -> Result<AccountView> {
    takeover.reset();
    std::optional<UserId> user_id = repository::find_identity(tx, id.provider, id.subject);
    const auto email = normalize_email(id.email);
    if (!user_id) {
      if (email.empty() || !plausible_email(email))
        return std::unexpected(Problem("oauth-email-required", "the provider did not share an email address"));
      // An address the provider has not verified neither links to an account (only a verified one
      // says the address belongs to this person) nor makes one; and the answer is the same whether
      // or not an account has it, so a provider that lets people claim any address cannot be used
      // to ask which addresses have accounts here.
      if (!id.email_verified)
        return std::unexpected(Problem("oauth-email-required",
                                       "the provider has not verified this email address; verify it with the "
                                       "provider, or sign in with your password"));
      auto existing = repository::find_by_email_index(tx, d_.email_index(email));
      if (existing) {
        user_id = existing->user_id;
        if (!existing->email_verified) {
          // Nobody ever proved this address for the local account, so it may have been made by
          // someone else waiting for the owner to arrive (account pre-hijacking). The provider
          // just proved it: the account becomes the provider's alone. Its password stops working
          // and every session that was open ends.
          repository::drop_password(tx, *user_id);
          retire_pending_email_changes(tx, *user_id);
          takeover = queue_end_of_sessions(tx, *user_id, std::nullopt);
          admin::record(tx, {.user_id = *user_id,
                             .event = "oauth_takeover",
                             .ip = client.ip,
                             .details = {{"provider", id.provider}}});
        }
        repository::mark_email_verified(tx, *user_id);
      } else if (id.signup) {
        // "Sign up with <provider>": the person gave what every account needs when the flow began.
        if (repository::email_banned(tx, d_.email_index(email)))
          return std::unexpected(Problem("account-banned", "this address belongs to an account that was closed"));
        user_id = UserId(crypto::uuid_v4());
        create_account(
            tx, {.user_id = *user_id,
                 .email_encrypted = d_.cipher.encrypt(email, email_context(*user_id)),
                 .email_index = d_.email_index(email),
                 .password_hash = std::nullopt,
                 .auth_provider = id.provider,
                 .first_name = id.first_name,
                 .last_name_encrypted =
                     id.last_name.empty() ? std::nullopt
                                          : std::optional(d_.cipher.encrypt(id.last_name, last_name_context(*user_id))),
                 .birth_date = format_date(id.signup->birth_date),
                 .gender = id.signup->gender,
                 .seeking_gender = id.signup->seeking_gender,
                 .email_verified = true});
        admin::record(
            tx, {.user_id = *user_id, .event = "signup", .ip = client.ip, .details = {{"provider", id.provider}}});
      } else {
        return std::unexpected(Problem(
            "oauth-no-account", "no account uses this identity yet; sign up first, then sign in with the provider"));
      }
      repository::link_identity(tx, id.provider, id.subject, *user_id);
      repository::set_auth_provider(tx, *user_id, id.provider);
      admin::record(
          tx, {.user_id = *user_id, .event = "oauth_link", .ip = client.ip, .details = {{"provider", id.provider}}});
    }
    auto row = repository::find_by_id(tx, *user_id);
    auto stored_email = PM_TRY(d_.cipher.decrypt(row->email_encrypted, email_context(*user_id)));
    credentials_version = row->credentials_version;
    return AccountView{.user_id = *user_id,
                       .email = stored_email,
                       .email_verified = row->email_verified,
                       .first_name = row->first_name,
                       .auth_provider = row->auth_provider};
  };
  std::optional<Result<AccountView>> attempt;
  try {
    attempt = db::transact(d_.db, sign_in);
  } catch (const pqxx::unique_violation&) {
    // The same person's two callbacks at once (two tabs, a double submit): the other made or linked
    // the account first. Again, this one finds it.
    attempt = db::transact(d_.db, sign_in);
  }
  auto account = PM_TRY(std::move(*attempt));
  if (takeover) end_sessions_after_change(*takeover);
  return open_session(std::move(account), credentials_version, client, {{"provider", id.provider}});
}

}  // namespace pm::auth
