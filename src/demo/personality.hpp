#pragma once
// A demo user's latent personality: the numbers their answers, bio and interests are drawn from,
// so that one person's answers hang together (an introvert does not pick "big parties" and then
// "a quiet night in"). Traits are in [-1, 1] on the dimensions of the Perfect Match bank (Big
// Five, values, lifestyle); a bank with other dimensions gets a stable value per dimension name.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "demo/random.hpp"

namespace pm::demo {

struct Personality {
  std::string archetype;  // "adventurer", "homebody", ... or "balanced"
  std::map<std::string, double, std::less<>> traits;
  double pickiness = 0;    // ~N(0, 1): how much answers matter to this person (importance, acceptable)
  double chattiness = 0;   // [0, 1]: how likely an optional open question gets an answer
  std::uint64_t salt = 0;  // for dimensions not in `traits`

  // The trait on `dimension`; for an unknown dimension a value drawn from the name and the salt.
  double operator[](std::string_view dimension) const;
};

// Drawn from an archetype mixture; `age` nudges family and nightlife.
Personality draw_personality(Rng& rng, int age);

}  // namespace pm::demo
