#include "core/client_address.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace pm {

namespace {

bool parse_v6(const std::string& ip, in6_addr& out) { return inet_pton(AF_INET6, ip.c_str(), &out) == 1; }

std::string mapped_v4(const in6_addr& v6) {
  const auto* b = v6.s6_addr;
  return fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
}

}  // namespace

std::string plain_address(std::string_view ip) {
  std::string text(ip);
  in6_addr v6{};
  if (parse_v6(text, v6) && IN6_IS_ADDR_V4MAPPED(&v6)) return mapped_v4(v6);
  return text;
}

std::string client_key(const std::string& ip) {
  in6_addr v6{};
  if (!parse_v6(ip, v6)) return ip;  // IPv4, or not an address at all
  if (IN6_IS_ADDR_V4MAPPED(&v6)) return mapped_v4(v6);
  const auto* b = v6.s6_addr;
  return fmt::format("{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}::/64", b[0], b[1], b[2], b[3], b[4], b[5],
                     b[6], b[7]);
}

}  // namespace pm
