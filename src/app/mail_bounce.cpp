// `perfectmatch mail bounce [--recipient ADDRESS]`: one delivery status notification on standard
// input, as an MTA's pipe transport hands over the mail it received for a bounce address
// (docs/notifications.md "Bounces that come later"). The exit status is the MTA's answer
// (sysexits.h): 0 taken (recorded, or nothing to record: not a report, an autoresponder, a mail
// no longer kept), 67 EX_NOUSER for an address that is not one of ours or is forged (the MTA
// refuses the mail), 75 EX_TEMPFAIL when it cannot be recorded now (the MTA tries again).
#include <iostream>
#include <iterator>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/log.hpp"
#include "mail/dsn.hpp"

namespace pm::app {

namespace {
constexpr int kTaken = 0;
constexpr int kNoUser = 67;    // EX_NOUSER
constexpr int kSoftware = 70;  // EX_SOFTWARE
constexpr int kTryLater = 75;  // EX_TEMPFAIL
constexpr std::size_t kMaxMessage = 10 * 1024 * 1024;
}  // namespace

int record_bounce_report(Config config, std::istream& in, const std::string& recipient) {
  std::string message;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    message.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (message.size() > kMaxMessage) break;  // a report is small; the rest is the returned mail
  }
  auto dsn = mail::parse_dsn(message);
  if (!dsn) {
    log::info("mail_report_ignored", {{"why", "not a delivery status notification"}});
    return kTaken;
  }
  // The MTA's envelope recipient first: headers can be written by anyone on the way.
  if (!recipient.empty()) dsn->envelope_to.insert(dsn->envelope_to.begin(), recipient);
  try {
    App app(std::move(config));
    auto outcome = app.email_outbox.record_report(*dsn);
    app.close();
    if (!outcome) {
      log::warn("mail_report_unrecorded", {{"error", outcome.error().type}});
      return outcome.error().type == "config" ? kSoftware : kTryLater;
    }
    log::info("mail_report", {{"outcome", mail::report_outcome_name(*outcome)}});
    std::cout << mail::report_outcome_name(*outcome) << "\n";
    return *outcome == mail::ReportOutcome::not_ours ? kNoUser : kTaken;
  } catch (const std::exception& e) {
    std::cerr << "mail bounce: " << e.what() << "\n";
    return kTryLater;
  }
}

}  // namespace pm::app
