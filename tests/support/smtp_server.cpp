#include "support/smtp_server.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace pm::test {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void openssl(const std::string& args) {
  auto r = run_command("openssl " + args + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << "openssl " << args << ":\n" << r.output;
}

}  // namespace

TestCertificates::TestCertificates(const fs::path& dir) {
  fs::create_directories(dir);
  auto at = [&](const char* name) { return (dir / name).string(); };
  ca_file = at("ca.pem");
  cert_file = at("server.pem");
  key_file = at("server.key");
  { std::ofstream(at("san.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"; }
  openssl("req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=PM-Test-CA -keyout " + shell_quote(at("ca.key")) +
          " -out " + shell_quote(ca_file));
  openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + shell_quote(key_file) + " -out " +
          shell_quote(at("server.csr")));
  openssl("x509 -req -days 1 -in " + shell_quote(at("server.csr")) + " -CA " + shell_quote(ca_file) + " -CAkey " +
          shell_quote(at("ca.key")) + " -CAcreateserial -extfile " + shell_quote(at("san.ext")) + " -out " +
          shell_quote(cert_file));
}

SmtpServer::SmtpServer(const fs::path& dir, SmtpServerOptions options, const TestCertificates* certs)
    : out_(dir / "received"), port_(free_port()) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   std::string(PM_SOURCE_DIR) + "/tests/smtp/smtp_server.py",
                                   "--port",
                                   std::to_string(port_),
                                   "--out",
                                   out_.string(),
                                   "--tls",
                                   options.tls};
  if (options.tls != "none" && certs) argv.insert(argv.end(), {"--cert", certs->cert_file, "--key", certs->key_file});
  if (!options.auth.empty()) argv.insert(argv.end(), {"--auth", options.auth});
  if (options.tempfail_data > 0) argv.insert(argv.end(), {"--tempfail-data", std::to_string(options.tempfail_data)});
  if (!options.reject_rcpt.empty()) argv.insert(argv.end(), {"--reject-rcpt", options.reject_rcpt});
  if (options.hold) argv.emplace_back("--hold");
  fs::create_directories(dir);
  process_ = std::make_unique<Process>(argv, std::map<std::string, std::string>{}, (dir / "smtp.log").string());
  EXPECT_TRUE(wait_for_port(port_, 20000)) << "the SMTP server did not listen:\n" << read_all(dir / "smtp.log");
}

std::vector<ReceivedMail> SmtpServer::mails() const {
  std::vector<ReceivedMail> out;
  for (int n = 1; fs::exists(out_ / (std::to_string(n) + ".json")); ++n)
    out.push_back({.raw = read_all(out_ / (std::to_string(n) + ".eml")),
                   .meta = nlohmann::json::parse(read_all(out_ / (std::to_string(n) + ".json")))});
  return out;
}

bool SmtpServer::wait_until_held() const {
  for (int i = 0; i < 400; ++i) {
    if (fs::exists(out_ / "held")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void SmtpServer::release() const { std::ofstream(out_ / "release").put('\n'); }

}  // namespace pm::test
