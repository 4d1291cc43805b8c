#include "mail/sender.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

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
  auto path = fs::path(dir_) / (mail.id + ".eml");
  auto temp = fs::path(dir_) / (mail.id + ".eml.tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    auto now = utc_tm(Clock::now());
    out << "From: Perfect Match <no-reply@perfectmatch.invalid>\r\n"
        << "To: <" << mail.to << ">\r\n"
        << "Subject: " << mail.subject << "\r\n"
        << fmt::format("Date: {:%a, %d %b %Y %H:%M:%S} +0000\r\n", now) << "Message-ID: <" << mail.id
        << "@perfectmatch.invalid>\r\n"
        << "MIME-Version: 1.0\r\n"
        << "Content-Type: text/plain; charset=utf-8\r\n"
        << "Content-Transfer-Encoding: 8bit\r\n\r\n"
        << mail.body;
    if (!out) return std::unexpected(Problem("mail-unavailable", "cannot write the mail file"));
  }
  // An address and a sign-in or reset link: the owner's and the group's (as the notification files
  // and the local photos), never other users', whatever the process's umask.
  fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                  fs::perm_options::replace, ec);
  if (ec) return std::unexpected(Problem("mail-unavailable", "cannot write the mail file"));
  fs::rename(temp, path, ec);
  if (ec) return std::unexpected(Problem("mail-unavailable", "cannot write the mail file"));
  return {};
}

}  // namespace pm::mail
