#pragma once
// A real SMTP server for a test (tests/smtp/smtp_server.py: Debian's aiosmtpd on 127.0.0.1), and
// a throwaway certificate authority made with openssl for its TLS.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/processes.hpp"

namespace pm::test {

// A CA and a certificate for localhost / 127.0.0.1 signed by it, under `dir`.
struct TestCertificates {
  explicit TestCertificates(const std::filesystem::path& dir);
  std::string ca_file;    // the CA's certificate (what the client trusts)
  std::string cert_file;  // the server's certificate
  std::string key_file;   // the server's key
};

struct SmtpServerOptions {
  std::string tls = "none";  // none | starttls | implicit
  std::string auth;          // "user:password": AUTH required
  int tempfail_data = 0;     // the first N mails get 451 after DATA
  std::string reject_rcpt;   // this recipient gets 550 5.1.1
  bool hold = false;         // the reply to DATA waits for release()
};

struct ReceivedMail {
  std::string raw;      // as received, headers and body
  nlohmann::json meta;  // mail_from, rcpt_tos, client_port (one per connection), tls, authenticated
};

class SmtpServer {
 public:
  // Starts it on a free port, serving `certs` when TLS is asked for; fails the test if it does not listen.
  SmtpServer(const std::filesystem::path& dir, SmtpServerOptions options, const TestCertificates* certs = nullptr);
  std::uint16_t port() const { return port_; }
  // Every mail received so far, in order.
  std::vector<ReceivedMail> mails() const;
  // With `hold`: true once a mail's data has arrived and its reply is held (waits up to 20 s).
  bool wait_until_held() const;
  void release() const;

 private:
  std::filesystem::path out_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

}  // namespace pm::test
