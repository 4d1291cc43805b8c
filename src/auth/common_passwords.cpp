#include "auth/common_passwords.hpp"

#include <algorithm>
#include <iterator>

namespace pm::auth {

namespace {
// The most frequent passwords of 10+ characters in public breach statistics, lower-cased and
// sorted (shorter ones are refused by length already). Kept short on purpose: the length rule and
// Argon2id do most of the work; this stops the guesses an attacker tries first.
constexpr std::string_view kCommon[] = {
    "0000000000",   "0123456789",       "0987654321",   "1111111111",       "1122334455",    "1234567890",
    "12345678910",  "123456789a",       "123456789q",   "1234512345",       "1234554321",    "1234567891",
    "123qweasdzxc", "1q2w3e4r5t",       "1q2w3e4r5t6y", "1qaz2wsx3edc",     "2222222222",    "5555555555",
    "6666666666",   "7777777777",       "8888888888",   "9876543210",       "9999999999",    "a123456789",
    "aaaaaaaaaa",   "abc1234567",       "abcd123456",   "abcdefghij",       "administrator", "asdfghjkl1",
    "asdfghjkl123", "baseball12",       "basketball",   "blink182blink182", "changeme123",   "charlie123",
    "chocolate1",   "computer12",       "dragon1234",   "football12",       "football123",   "freedom123",
    "iloveyou12",   "iloveyou123",      "jennifer12",   "letmein123",       "liverpool1",    "liverpool123",
    "lovely1234",   "michael123",       "monkey1234",   "mustang123",       "p@ssw0rd12",    "p@ssw0rd123",
    "passw0rd12",   "passw0rd123",      "password01",   "password1!",       "password10",    "password11",
    "password12",   "password123",      "password1234", "password2",        "password2024",  "password2025",
    "password2026", "passwordpassword", "princess12",   "princess123",      "q1w2e3r4t5",    "q1w2e3r4t5y6",
    "qazwsxedc1",   "qazwsxedcrfv",     "qwerty1234",   "qwerty12345",      "qwerty123456",  "qwertyuiop",
    "qwertyuiop1",  "qwertyuiop123",    "samsung123",   "shadow1234",       "starwars12",    "sunshine12",
    "sunshine123",  "superman12",       "superman123",  "trustno1234",      "welcome123",    "welcome1234",
    "whatever12",   "zaq12wsxcde",      "zxcvbnm123",   "zxcvbnm1234",      "zxcvbnmasdf",   "1q2w3e4r5t6y7u"};
}  // namespace

bool is_common_password(std::string_view lower_case) {
  return std::find(std::begin(kCommon), std::end(kCommon), lower_case) != std::end(kCommon);
}

}  // namespace pm::auth
