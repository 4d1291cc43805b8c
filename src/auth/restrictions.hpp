#pragma once
// Suspensions and bans of accounts, written in the caller's transaction (staff moderation runs it
// as the system). The caller ends the account's sessions once it committed
// (SessionStore::end_all), which closes its sockets. That purge is not the only one: each
// restriction also queues a job (kEndSessionsJob) in the same transaction, which the worker runs
// (Service::end_queued_sessions), so the sessions end even if Redis failed at the caller's
// purge (the job waits out an outage of any length: a Redis failure does not count as one of its
// attempts), or a sign-in that raced the restriction made one after it. A suspended or banned account cannot sign in
// (403 account-suspended / account-banned); a banned address cannot sign up again, even after the
// account is deleted (its blind index is kept in banned_emails). And the account staff look up
// by its address (granting roles, the user look-up).

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/id.hpp"

namespace pm::auth {

inline constexpr const char* kEndSessionsJob = "end_restricted_sessions";
// A credential change's purge of the sessions open before it (Service::queue_end_of_sessions); one
// without a credentials version ends every session (an account's deletion, personal_data.hpp).
inline constexpr const char* kEndEarlierSessionsJob = "end_earlier_sessions";

// Suspended until now + `days` (a later end already set stays); returns the end (ISO 8601).
std::string suspend(pqxx::work& tx, const UserId& user_id, int days);
// Banned for good; the address's blind index goes to banned_emails.
void ban(pqxx::work& tx, const UserId& user_id);
// The account whose email has this blind index (crypto::BlindIndex of the normalised address).
std::optional<UserId> account_by_email_index(pqxx::work& tx, const std::string& email_index);

}  // namespace pm::auth
