#pragma once
// Helpers for tests that act as users of the API: sign up, sign in, read the mail they get.

#include <string>

#include "core/id.hpp"
#include "support/test_server.hpp"

namespace pm::test {

struct TestUser {
  std::string user_id;
  std::string email;
  std::string password;
  std::string token;
  Headers auth() const { return {{"Authorization", "Bearer " + token}}; }
  UserId id() const { return UserId(user_id); }
};

// Signs up a new adult user through the API (fails the test if that does not give 201).
TestUser sign_up(TestServer& server, const std::string& email, const std::string& first_name = "Ada",
                 const std::string& gender = "woman", const std::string& seeking = "everyone");
// Marks the user's address as proven, as the verification mail's link does: the email channel of
// notifications reaches only a proven address.
void prove_address(TestServer& server, const TestUser& user);
// A client address of this test's own (sent as X-Forwarded-For; tests trust 127.0.0.1 as a proxy).
std::string unique_client_ip();

// The birth date (YYYY-MM-DD) of someone `years` old today, in UTC, as the server counts ages:
// e.g. a minor's for a sign-up that must be refused, whatever year the test runs in.
std::string birth_date_aged(int years);

// A unique address for this test.
std::string unique_email(const std::string& who = "user");

// The newest .eml sent to `to` in `mail_dir`, waiting up to 10 s for it; empty if none arrives.
std::string wait_for_mail(const std::string& mail_dir, const std::string& to, std::size_t at_least = 1);
// The "Token: ..." line of a mail.
std::string token_in(const std::string& mail);

}  // namespace pm::test
