#include "storage/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace pm::storage::sigv4 {

namespace {

// Each derived key feeds the next HMAC as its key (AWS's signing-key chain).
std::string hmac(std::string_view key, std::string_view data) { return crypto::hmac_sha256(key, data); }

// Header values are trimmed and inner runs of spaces collapse to one.
std::string trim_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string date_of(Clock::time_point t) { return amz_date(t).substr(0, 8); }

std::string scope(const Credentials& c, Clock::time_point t) {
  return fmt::format("{}/{}/{}/aws4_request", date_of(t), c.region, c.service);
}

// Sorted "name:value" pairs and the ';'-joined names.
std::pair<std::string, std::string> canonical_headers(const Pairs& headers) {
  Pairs sorted;
  for (const auto& [k, v] : headers) sorted.emplace_back(ascii_lower(k), trim_value(v));
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string lines, names;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    // Repeated headers join their values with ',' under one name.
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      lines.back() = ',';
      lines += sorted[i].second + "\n";
      continue;
    }
    lines += sorted[i].first + ":" + sorted[i].second + "\n";
    if (!names.empty()) names += ';';
    names += sorted[i].first;
  }
  return {lines, names};
}

std::string canonical_query(const Pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string amz_date(Clock::time_point t) {
  // gmtime_r, not fmt's time_point formatting: fmt 9 formats those in local time.
  std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%Y%m%dT%H%M%SZ}", tm);
}

std::string canonical_request(const Request& r) {
  auto [lines, names] = canonical_headers(r.headers);
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", r.method, r.path.empty() ? "/" : r.path, canonical_query(r.query), lines,
                     names, r.payload_hash);
}

std::string string_to_sign(const Request& r, const Credentials& c, Clock::time_point t) {
  return fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date(t), scope(c, t),
                     crypto::sha256_hex(canonical_request(r)));
}

std::string signature(const Request& r, const Credentials& c, Clock::time_point t) {
  auto k_date = hmac("AWS4" + c.secret_key, date_of(t));
  auto k_region = hmac(k_date, c.region);
  auto k_service = hmac(k_region, c.service);
  auto k_signing = hmac(k_service, "aws4_request");
  return crypto::hex(hmac(k_signing, string_to_sign(r, c, t)));
}

std::string authorization(const Request& r, const Credentials& c, Clock::time_point t) {
  auto [lines, names] = canonical_headers(r.headers);
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={},Signature={}", c.access_key, scope(c, t),
                     names, signature(r, c, t));
}

std::string presigned_query(Request r, const Credentials& c, Clock::time_point t, std::chrono::seconds expires) {
  auto [lines, names] = canonical_headers(r.headers);
  r.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  r.query.emplace_back("X-Amz-Credential", c.access_key + "/" + scope(c, t));
  r.query.emplace_back("X-Amz-Date", amz_date(t));
  r.query.emplace_back("X-Amz-Expires", std::to_string(std::clamp<long long>(expires.count(), 1, 7 * 24 * 3600)));
  r.query.emplace_back("X-Amz-SignedHeaders", names);
  r.payload_hash = "UNSIGNED-PAYLOAD";
  return canonical_query(r.query) + "&X-Amz-Signature=" + signature(r, c, t);
}

}  // namespace pm::storage::sigv4
