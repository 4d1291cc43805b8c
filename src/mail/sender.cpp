#include "mail/sender.hpp"

#include <filesystem>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/files.hpp"
#include "core/time.hpp"

namespace pm::mail {

namespace fs = std::filesystem;

Problem send_failure(const char* outcome, std::string detail) {
  Problem p("mail-unavailable", std::move(detail));
  p.extensions["outcome"] = outcome;
  return p;
}

std::string outcome_of(const Problem& problem) { return problem.extensions.value("outcome", kTemporary); }

Result<void> EmlFileSender::send(const Mail& mail) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const auto now = utc_tm(Clock::now());
  const std::string eml = fmt::format(
      "From: Perfect Match <no-reply@perfectmatch.invalid>\r\n"
      "To: <{}>\r\n"
      "Subject: {}\r\n"
      "Date: {:%a, %d %b %Y %H:%M:%S} +0000\r\n"
      "Message-ID: <{}@perfectmatch.invalid>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n{}",
      mail.to, mail.subject, now, mail.id, mail.body);
  // An address and a sign-in or reset link: the owner's and the group's (0640), never other users'.
  if (files::write_atomically(fs::path(dir_) / (mail.id + ".eml"), eml) != 0)
    return std::unexpected(Problem("mail-unavailable", "cannot write the mail file"));
  return {};
}

}  // namespace pm::mail
