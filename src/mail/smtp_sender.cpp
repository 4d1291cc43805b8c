#include "mail/smtp_sender.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include <curl/curl.h>
#include <fmt/format.h>

#include "core/config_values.hpp"
#include "core/http_client.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "mail/mime.hpp"

namespace pm::mail {

namespace {

struct Upload {
  const std::string& text;
  std::size_t sent = 0;
};

extern "C" std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->text.size() - up->sent);
  std::memcpy(buffer, up->text.data() + up->sent, n);
  up->sent += n;
  return n;
}

struct ListFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

Result<SmtpSettings> SmtpSettings::load() {
  const ConfigValues values = PM_TRY(config_values());
  auto env = [&](const char* name, std::string fallback = {}) { return config_value(values, name, fallback); };
  SmtpSettings s;
  s.url = env("PM_SMTP_URL");
  s.user = env("PM_SMTP_USER");
  s.password = env("PM_SMTP_PASSWORD");
  s.from = env("PM_SMTP_FROM", s.from);
  s.ca_file = env("PM_SMTP_CA_FILE");
  auto timeout = env("PM_SMTP_TIMEOUT_MS", "30000");
  char* end = nullptr;
  long ms = std::strtol(timeout.c_str(), &end, 10);
  if (*end != '\0' || ms < 100 || ms > 600000)
    return std::unexpected(Problem("config", "PM_SMTP_TIMEOUT_MS has an invalid value"));
  s.timeout = std::chrono::milliseconds(ms);
  s.dkim_selector = env("PM_DKIM_SELECTOR");
  s.dkim_domain = env("PM_DKIM_DOMAIN");
  s.dkim_key_file = env("PM_DKIM_KEY_FILE");
  s.bounce_domain = env("PM_SMTP_BOUNCE_DOMAIN");
  if (auto why = s.problem()) return std::unexpected(Problem("config", *why));
  return s;
}

std::optional<std::string> SmtpSettings::problem() const {
  if (url.empty()) return std::nullopt;
  const auto scheme = ascii_lower(url.substr(0, url.find("://") == std::string::npos ? 0 : url.find("://")));
  if (scheme != "smtp" && scheme != "smtps") return "PM_SMTP_URL must be smtps://host[:port] or smtp://host[:port]";
  if (http_client::url_host(url).empty()) return "PM_SMTP_URL has no host";
  if (address_of(from).find('@') == std::string::npos) return "PM_SMTP_FROM must hold an address (name <a@b>)";
  const int dkim = !dkim_selector.empty() + !dkim_domain.empty() + !dkim_key_file.empty();
  if (dkim != 0 && dkim != 3) return "DKIM needs PM_DKIM_SELECTOR, PM_DKIM_DOMAIN and PM_DKIM_KEY_FILE together";
  if (!bounce_domain.empty() &&
      (bounce_domain.find_first_of("@<> \t/") != std::string::npos || bounce_domain.find('.') == std::string::npos))
    return "PM_SMTP_BOUNCE_DOMAIN must be a domain name (bounces.example.com)";
  return std::nullopt;
}

Result<std::unique_ptr<SmtpSender>> SmtpSender::create(SmtpSettings settings) {
  if (auto why = settings.problem()) return std::unexpected(Problem("config", *why));
  // curl_global_init must not race other threads' libcurl use: once, before the first handle.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) return std::unexpected(Problem("config", "libcurl did not start"));
  std::unique_ptr<DkimSigner> dkim;
  if (!settings.dkim_key_file.empty())
    dkim = PM_TRY(DkimSigner::load(settings.dkim_selector, settings.dkim_domain, settings.dkim_key_file));
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(settings), std::move(dkim)));
}

SmtpSender::SmtpSender(SmtpSettings settings, std::unique_ptr<DkimSigner> dkim)
    : settings_(std::move(settings)), dkim_(std::move(dkim)) {}

SmtpSender::~SmtpSender() { end_batch(); }

void SmtpSender::end_batch() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));  // (says QUIT)
  curl_ = nullptr;
}

Result<void> SmtpSender::send(const Mail& mail) {
  auto message = compose(mail, settings_.from, Clock::now());
  if (dkim_) {
    auto signature = dkim_->sign(message, mail.id);
    if (!signature) return std::unexpected(send_failure(kTemporary, signature.error().detail));
    message.headers.insert(message.headers.begin(), *signature);
  }
  const std::string text = message.text();
  if (curl_ == nullptr) curl_ = curl_easy_init();
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return std::unexpected(send_failure(kTemporary, "libcurl could not make a handle"));
  curl_easy_reset(curl);  // (the connection stays open across resets)

  Upload upload{text};
  char error[CURL_ERROR_SIZE] = {0};
  const std::string envelope_from =
      "<" + (mail.envelope_from.empty() ? address_of(settings_.from) : mail.envelope_from) + ">";
  std::unique_ptr<curl_slist, ListFree> rcpt(curl_slist_append(nullptr, ("<" + mail.to + ">").c_str()));
  curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // STARTTLS is required but to a loopback host (a local MTA without TLS); certificates verified always.
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   http_client::names_loopback_host(settings_.url) ? static_cast<long>(CURLUSESSL_TRY)
                                                                   : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, envelope_from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long>(settings_.timeout.count(), 10000)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode result = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (result == CURLE_OK) return {};

  // libcurl's fixed texts ("RCPT failed: 550", "Login denied", ...) and the reply code: no address.
  const std::string what = error[0] ? std::string(error) : std::string(curl_easy_strerror(result));
  const std::string detail = code ? fmt::format("{} (SMTP {})", what, code) : what;
  if (result == CURLE_LOGIN_DENIED || code < 500 || code > 599)
    return std::unexpected(send_failure(kTemporary, detail));
  if (what.starts_with("RCPT failed")) return std::unexpected(send_failure(kBounced, detail));
  return std::unexpected(send_failure(kRejected, detail));
}

}  // namespace pm::mail
