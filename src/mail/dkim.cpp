#include "mail/dkim.hpp"

// libopendkim's header is C, whose _Bool is C++'s bool (same size, same calling convention).
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace pm::mail {

namespace {

Problem dkim_failed(DKIM_STAT status) {
  return Problem("configuration", fmt::format("DKIM signing failed ({})", dkim_getresultstr(status)));
}

std::string crlf(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<DkimSigner>> DkimSigner::load(std::string selector, std::string domain,
                                                     const std::string& key_file) {
  std::ifstream in(key_file);
  std::stringstream key;
  key << in.rdbuf();
  if (!in || key.str().find("PRIVATE KEY") == std::string::npos)
    return std::unexpected(Problem("configuration", "PM_DKIM_KEY_FILE is not a readable PEM private key"));
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  if (lib == nullptr) return std::unexpected(Problem("configuration", "libopendkim did not start"));
  return std::unique_ptr<DkimSigner>(new DkimSigner(std::move(selector), std::move(domain), key.str(), lib));
}

DkimSigner::~DkimSigner() { dkim_close(static_cast<DKIM_LIB*>(lib_)); }

Result<std::string> DkimSigner::sign(const MimeMessage& message, const std::string& job_id) const {
  DKIM_STAT status = DKIM_STAT_OK;
  auto key = key_;  // (the library's signature takes a non-const pointer)
  DKIM* dkim =
      dkim_sign(static_cast<DKIM_LIB*>(lib_), reinterpret_cast<const unsigned char*>(job_id.c_str()), nullptr,
                reinterpret_cast<dkim_sigkey_t>(key.data()), reinterpret_cast<const unsigned char*>(selector_.c_str()),
                reinterpret_cast<const unsigned char*>(domain_.c_str()), DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
                DKIM_SIGN_RSASHA256, -1, &status);
  if (dkim == nullptr) return std::unexpected(dkim_failed(status));
  std::unique_ptr<DKIM, decltype(&dkim_free)> owned(dkim, &dkim_free);
  for (const auto& header : message.headers) {
    std::string line = header;
    status = dkim_header(dkim, reinterpret_cast<u_char*>(line.data()), line.size());
    if (status != DKIM_STAT_OK) return std::unexpected(dkim_failed(status));
  }
  if ((status = dkim_eoh(dkim)) != DKIM_STAT_OK) return std::unexpected(dkim_failed(status));
  std::string body = message.body;
  status = dkim_body(dkim, reinterpret_cast<u_char*>(body.data()), body.size());
  if (status != DKIM_STAT_OK) return std::unexpected(dkim_failed(status));
  if ((status = dkim_eom(dkim, nullptr)) != DKIM_STAT_OK) return std::unexpected(dkim_failed(status));
  const std::string name = "DKIM-Signature: ";
  u_char* value = nullptr;
  std::size_t length = 0;
  status = dkim_getsighdr_d(dkim, name.size(), &value, &length);
  if (status != DKIM_STAT_OK) return std::unexpected(dkim_failed(status));
  return name + crlf(std::string(reinterpret_cast<char*>(value), length));
}

}  // namespace pm::mail
