#pragma once
// Client addresses as the server compares and counts them. One spelling per client: an IPv4 client
// reached through a socket listening on "::" arrives as "::ffff:a.b.c.d", which would match no
// configured proxy and count apart from its own IPv4 address.

#include <string>
#include <string_view>

namespace pm {

// The address as text, an IPv4-mapped IPv6 address as its IPv4 address. Anything else as given.
std::string plain_address(std::string_view ip);

// The part of a client address a per-client limit counts: an IPv4 address as it is, an IPv6
// address by its /64 (one subscriber or one cloud VM holds a whole /64, so counting single IPv6
// addresses would give an attacker 2^64 fresh budgets). IPv4-mapped IPv6 counts as the IPv4 address.
// Anything unparsable is used as given.
std::string client_key(const std::string& ip);

}  // namespace pm
