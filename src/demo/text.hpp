#pragma once
// The words of a demo user: interests, a short bio and answers to open questions, all drawn from
// their latent personality, so what they write agrees with how they answered.

#include <string>
#include <string_view>
#include <vector>

#include "demo/personality.hpp"
#include "demo/random.hpp"

namespace pm::demo {

// Two to four interests ("live music", "hiking", ...), likelier the better they fit.
std::vector<std::string> draw_interests(Rng& rng, const Personality& p);

// A couple of sentences (under 400 characters); `city` is the city's short name.
std::string write_bio(Rng& rng, const Personality& p, const std::vector<std::string>& interests, std::string_view city);

// A short answer to an open question (its text picks the shape), at most `max_length` characters.
std::string write_open_answer(Rng& rng, const Personality& p, const std::vector<std::string>& interests,
                              std::string_view question_text, std::size_t max_length);

}  // namespace pm::demo
