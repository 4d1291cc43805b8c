// Delivery status notifications (mail/dsn.hpp) as two MTAs write them, and the VERP bounce
// addresses (mail/bounce_address.hpp) that tell which mail one is about.
#include <gtest/gtest.h>

#include "mail/bounce_address.hpp"
#include "mail/dsn.hpp"

using namespace pm;

namespace {

// Exim 4's report (its "Mail delivery failed" with RFC 3464 part, as Debian's exim4 sends it):
// LF line ends, a quoted boundary on a folded Content-Type, an X-Original-To header.
constexpr const char* kExim =
    "Return-path: <>\n"
    "X-Original-To: bounces+0123456789abcdef0123456789abcdef.00000000000000000000@bounces.pm.test\n"
    "From: Mail Delivery System <Mailer-Daemon@mx.far.example>\n"
    "To: bounces+0123456789abcdef0123456789abcdef.00000000000000000000@bounces.pm.test\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    " boundary=\"1764565800-eximdsn-12345\"\n"
    "MIME-Version: 1.0\n"
    "Subject: Mail delivery failed: returning message to sender\n"
    "Auto-Submitted: auto-replied\n"
    "\n"
    "--1764565800-eximdsn-12345\n"
    "Content-type: text/plain; charset=us-ascii\n"
    "\n"
    "This message was created automatically by mail delivery software.\n"
    "\n"
    "--1764565800-eximdsn-12345\n"
    "Content-type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.far.example\n"
    "\n"
    "Action: failed\n"
    "Final-Recipient: rfc822;Gone@Far.Example\n"
    "Status: 5.0.0\n"
    "Remote-MTA: dns; inbox.far.example\n"
    "Diagnostic-Code: smtp; 550 Unrouteable address\n"
    "\n"
    "--1764565800-eximdsn-12345\n"
    "Content-type: message/rfc822\n"
    "\n"
    "From: Perfect Match <no-reply@mail.pm.test>\n"
    "\n"
    "Hello\n"
    "--1764565800-eximdsn-12345--\n";

}  // namespace

TEST(Dsn, EximsReportIsReadWithItsRecipientActionAndStatus) {
  auto dsn = mail::parse_dsn(kExim);
  ASSERT_TRUE(dsn.has_value());
  ASSERT_EQ(dsn->recipients.size(), 1u);
  EXPECT_EQ(dsn->recipients[0].final_recipient, "Gone@Far.Example");
  EXPECT_EQ(dsn->recipients[0].action, "failed");
  EXPECT_EQ(dsn->recipients[0].status, "5.0.0");
  EXPECT_TRUE(dsn->recipients[0].permanent());
  EXPECT_EQ(dsn->recipients[0].diagnostic, "smtp; 550 Unrouteable address");
  ASSERT_FALSE(dsn->envelope_to.empty());
  EXPECT_EQ(dsn->envelope_to[0], "bounces+0123456789abcdef0123456789abcdef.00000000000000000000@bounces.pm.test")
      << "X-Original-To before To";
}

TEST(Dsn, SeveralRecipientsAndAGlobalReportAreRead) {
  const std::string text =
      "To: b@x.example\r\nContent-Type: multipart/report; boundary=b1; report-type=global-delivery-status\r\n\r\n"
      "--b1\r\nContent-Type: message/global-delivery-status\r\n\r\nReporting-MTA: dns; m.example\r\n\r\n"
      "Final-Recipient: rfc822; one@x.example\r\nAction: delayed\r\nStatus: 4.4.1 (no answer)\r\n\r\n"
      "Final-Recipient: rfc822; two@x.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n--b1--\r\n";
  auto dsn = mail::parse_dsn(text);
  ASSERT_TRUE(dsn.has_value());
  ASSERT_EQ(dsn->recipients.size(), 2u);
  EXPECT_EQ(dsn->recipients[0].status, "4.4.1");
  EXPECT_TRUE(dsn->recipients[0].transient());
  EXPECT_EQ(dsn->recipients[1].action, "delivered");
}

TEST(Dsn, MailsThatAreNoReportAreNotOne) {
  EXPECT_FALSE(mail::parse_dsn("From: a@b\r\nSubject: Out of office\r\n\r\nAway.\r\n").has_value());
  EXPECT_FALSE(mail::parse_dsn("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n"));
  EXPECT_FALSE(
      mail::parse_dsn("Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: "
                      "text/plain\r\n\r\nno status part\r\n--x--\r\n"));
  EXPECT_FALSE(mail::parse_dsn("Content-Type: multipart/report\r\n\r\nno boundary\r\n"));
  EXPECT_FALSE(mail::parse_dsn(""));
}

TEST(BounceAddresses, NameTheirMailAndRefuseForgeries) {
  crypto::Key key{};
  key.fill(7);
  crypto::BlindIndex mac(key);
  mail::BounceAddresses bounces(mac, "bounces.pm.test");
  const std::string id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  const auto address = bounces.make(id);
  EXPECT_TRUE(address.starts_with("bounces+0f1e2d3c4b5a69788796a5b4c3d2e1f0.")) << address;
  EXPECT_LE(address.find('@'), 64u);
  EXPECT_EQ(bounces.read(address), id);
  std::string upper = address;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(bounces.read(upper), id) << "mail systems may change the case";

  std::string altered = address;
  altered[9] = altered[9] == '0' ? '1' : '0';  // another mail's id under this MAC
  EXPECT_FALSE(bounces.read(altered));
  EXPECT_FALSE(bounces.read(address.substr(0, address.find('@')) + "@elsewhere.test"));
  EXPECT_FALSE(bounces.read("bounces+0f1e2d3c4b5a69788796a5b4c3d2e1f0@bounces.pm.test"));
  EXPECT_FALSE(bounces.read("postmaster@bounces.pm.test"));
  EXPECT_FALSE(bounces.read(""));
  crypto::Key other{};
  other.fill(8);
  crypto::BlindIndex other_mac(other);
  EXPECT_FALSE(mail::BounceAddresses(other_mac, "bounces.pm.test").read(address)) << "another key";
}
