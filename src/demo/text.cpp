#include "demo/text.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/text.hpp"

namespace pm::demo {

namespace {

struct Interest {
  std::string_view phrase;
  std::string_view dimension;
  double sign;  // +1: people high on the dimension like it; -1: people low on it do
};

constexpr Interest kInterests[] = {
    {"trail running", "activity", 1},
    {"climbing", "activity", 1},
    {"cycling", "activity", 1},
    {"yoga", "health", 1},
    {"cooking from scratch", "health", 1},
    {"early morning swims", "health", 1},
    {"art galleries", "openness", 1},
    {"foreign films", "openness", 1},
    {"learning languages", "growth", 1},
    {"reading", "growth", 1},
    {"pottery classes", "growth", 1},
    {"backpacking", "travel", 1},
    {"weekend city breaks", "travel", 1},
    {"street food", "travel", 1},
    {"hiking", "adventure", 1},
    {"scuba diving", "adventure", 1},
    {"road trips", "adventure", 1},
    {"live music", "nightlife", 1},
    {"cocktail bars", "nightlife", 1},
    {"dancing", "nightlife", 1},
    {"dinner parties", "sociability", 1},
    {"board game nights", "sociability", 1},
    {"pub quizzes", "sociability", 1},
    {"stand-up comedy", "humour", 1},
    {"terrible puns", "humour", 1},
    {"Sunday lunches with family", "family", 1},
    {"meditation", "spirituality", 1},
    {"volunteering", "agreeableness", 1},
    {"animal shelters", "agreeableness", 1},
    {"houseplants", "tidiness", 1},
    {"side projects", "ambition", 1},
    {"investing", "ambition", 1},
    {"quiet nights in", "extraversion", -1},
    {"baking", "extraversion", -1},
    {"video games", "extraversion", -1},
    {"gardening", "urbanity", -1},
    {"camping", "urbanity", -1},
    {"the countryside", "urbanity", -1},
    {"jazz bars", "urbanity", 1},
    {"photography", "openness", 1},
};

// Phrases for a person's most marked traits: (dimension, sign, phrase).
struct Trait {
  std::string_view dimension;
  double sign;
  std::string_view opener;  // a first sentence
  std::string_view adjective;
};

constexpr Trait kTraits[] = {
    {"extraversion", 1, "Happiest in a room full of friends.", "outgoing"},
    {"extraversion", -1, "Quiet at first, but worth the wait.", "calm"},
    {"openness", 1, "Curious about almost everything.", "curious"},
    {"openness", -1, "I know what I like and I like what I know.", "grounded"},
    {"conscientiousness", 1, "I like a plan, a tidy kitchen and people who show up on time.", "reliable"},
    {"conscientiousness", -1, "Plans are more like suggestions to me.", "easy-going"},
    {"agreeableness", 1, "Friends say I'm the one who always listens.", "kind"},
    {"humour", 1, "I will laugh at your jokes, even the bad ones.", "funny"},
    {"adventure", 1, "Happiest with a backpack on and no fixed plan.", "adventurous"},
    {"family", 1, "Family means the world to me.", "warm"},
    {"ambition", 1, "Building something I care about, and loving it.", "driven"},
    {"spirituality", 1, "My faith keeps me grounded.", "thoughtful"},
    {"health", 1, "My weekends start early with a run.", "energetic"},
    {"nightlife", 1, "Never one to turn down a late-night gig.", "spontaneous"},
    {"loyalty", 1, "Once you're my person, you're my person.", "loyal"},
    {"honesty", 1, "I'd rather hear a hard truth than a kind lie.", "honest"},
    {"independence", 1, "I love my own company and my own adventures.", "independent"},
    {"growth", 1, "Always learning something new, currently failing at the guitar.", "curious"},
};

// The person's traits ranked by how marked they are (|value| in the phrase's direction).
std::vector<const Trait*> marked_traits(const Personality& p, Rng& rng) {
  std::vector<std::pair<double, const Trait*>> scored;
  for (const auto& t : kTraits) scored.push_back({t.sign * p[t.dimension] + rng.normal(0, 0.15), &t});
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const Trait*> out;
  for (const auto& [score, t] : scored) out.push_back(t);
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  std::string out;
  for (std::size_t i = 0; i + 1 < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + " and " + items.back();
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string looking_for(Rng& rng, const Personality& p) {
  double settle = p["family"] + p["security"] + p["loyalty"];
  double roam = p["spontaneity"] + p["independence"] + p["adventure"];
  if (settle > roam + 0.6) {
    static constexpr std::string_view kLines[] = {"Looking for something real and lasting.",
                                                  "Ready to meet someone to build a life with.",
                                                  "Here for the long run, not the small talk."};
    return std::string(rng.pick(kLines));
  }
  if (roam > settle + 0.6) {
    static constexpr std::string_view kLines[] = {"Looking for someone to share adventures with, no pressure.",
                                                  "Let's see where it goes.", "Up for a spontaneous first date?"};
    return std::string(rng.pick(kLines));
  }
  static constexpr std::string_view kLines[] = {"Looking for someone kind, curious and up for a good conversation.",
                                                "If you can make me laugh, we'll get along.",
                                                "Tell me about the last thing that made you really happy."};
  return std::string(rng.pick(kLines));
}

// At most `max_length` characters, cut at a word.
std::string fit(std::string text, std::size_t max_length) {
  if (text.size() <= max_length) return text;
  text.resize(max_length);
  if (auto space = text.find_last_of(' '); space != std::string::npos && space > 0) text.resize(space);
  while (!text.empty() && (text.back() == ' ' || text.back() == ',')) text.pop_back();
  return text;
}

bool mentions(std::string_view text, std::string_view word) {
  return ascii_lower(text).find(word) != std::string::npos;
}

}  // namespace

std::vector<std::string> draw_interests(Rng& rng, const Personality& p) {
  std::vector<std::pair<double, std::string>> scored;
  for (const auto& i : kInterests)
    scored.push_back({2.5 * i.sign * p[i.dimension] + rng.gumbel(1.0), std::string(i.phrase)});
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  int n = rng.integer(2, 4);
  for (int k = 0; k < n; ++k) out.push_back(scored[static_cast<std::size_t>(k)].second);
  return out;
}

std::string write_bio(Rng& rng, const Personality& p, const std::vector<std::string>& interests,
                      std::string_view city) {
  auto traits = marked_traits(p, rng);
  std::vector<std::string> sentences;
  sentences.push_back(std::string(traits[0]->opener));
  std::vector<std::string> two(interests.begin(), interests.begin() + std::min<std::size_t>(interests.size(), 3));
  switch (rng.integer(0, 4)) {
    case 0:
      sentences.push_back(fmt::format("Into {}.", join_list(two)));
      break;
    case 1:
      sentences.push_back(fmt::format("Weekends are for {}.", join_list(two)));
      break;
    case 2:
      sentences.push_back(fmt::format("Ask me about {}.", two[0]));
      break;
    case 3:
      sentences.push_back(fmt::format("{} is my happy place.", capitalised(two[0])));
      break;
    default:
      sentences.push_back(fmt::format("Big fan of {}.", join_list(two)));
      break;
  }
  if (rng.chance(0.35)) {
    static constexpr std::string_view kCity[] = {"Born and raised in {}.", "New-ish to {} and still exploring.",
                                                 "{} local, happy to show you my favourite spots."};
    sentences.push_back(fmt::format(fmt::runtime(rng.pick(kCity)), city));
  }
  if (rng.chance(0.3))
    sentences.push_back(fmt::format("Friends would call me {} and {}.", traits[1]->adjective, traits[2]->adjective));
  sentences.push_back(looking_for(rng, p));
  // Keep the opener first; the middle sentences come in any order.
  if (sentences.size() > 3 && rng.chance(0.5)) std::swap(sentences[1], sentences[2]);
  std::string bio;
  for (const auto& s : sentences) bio += (bio.empty() ? "" : " ") + s;
  return fit(bio, 400);
}

std::string write_open_answer(Rng& rng, const Personality& p, const std::vector<std::string>& interests,
                              std::string_view question, std::size_t max_length) {
  auto traits = marked_traits(p, rng);
  const std::string& first = interests[0];
  const std::string& second = interests.size() > 1 ? interests[1] : interests[0];
  std::string text;
  if (mentions(question, "three words")) {
    static constexpr std::string_view kShapes[] = {
        "{}, {} and {}. My best friend would argue with {}, and they're probably right.",
        "{}, {}, {}. Anyone who knows me would laugh at \"{}\".",
        "{}, {} and {}. The one people argue with is {}, usually before coffee."};
    text = fmt::format(fmt::runtime(rng.pick(kShapes)), capitalised(std::string(traits[0]->adjective)),
                       traits[1]->adjective, traits[2]->adjective, traits[rng.integer(0, 2)]->adjective);
  } else if (mentions(question, "weekend")) {
    static constexpr std::string_view kShapes[] = {
        "Friday: {}. Saturday: {} and a long lunch. Sunday: slow morning, then {}.",
        "Start with {} on Friday, spend Saturday on {}, and end Sunday with {} and an early night.",
        "{} to kick it off, a whole day of {}, and {} before the week starts again."};
    text = fmt::format(fmt::runtime(rng.pick(kShapes)), p["nightlife"] > 0 ? "drinks with friends" : "a film at home",
                       first, second);
    text = capitalised(text);
  } else if (mentions(question, "five years")) {
    if (p["family"] > 0.2)
      text = rng.chance(0.5)
                 ? "Settled with someone I love, maybe a child or two, and still making time for " + first + "."
                 : "Home with my person, a full table on Sundays, and more " + first + " than now.";
    else
      text = rng.chance(0.5)
                 ? "Somewhere new, doing work I'm proud of, with someone who likes " + first + " as much as I do."
                 : "Hard to say, and I like it that way. Hopefully still into " + first + ".";
  } else if (mentions(question, "hours")) {
    static constexpr std::string_view kShapes[] = {"{}. Start me on it and you'll have to stop me.",
                                                   "{}, easily. Also {}, if you have the time.",
                                                   "Anything about {}, and I'll happily go on to {}."};
    text = capitalised(fmt::format(fmt::runtime(rng.pick(kShapes)), first, second));
  } else if (mentions(question, "dealbreaker")) {
    static constexpr std::string_view kLines[] = {"Rudeness to waiters.", "Not being kind to animals.",
                                                  "Dishonesty, every time.", "Someone who never asks questions back.",
                                                  "Being glued to a phone on a date."};
    text = std::string(rng.pick(kLines));
  } else if (mentions(question, "compromise") || mentions(question, "principle")) {
    static constexpr std::pair<std::string_view, std::string_view> kPrinciples[] = {
        {"honesty", "Honesty. A relationship without it is built on sand."},
        {"loyalty", "Loyalty. I show up for my people, and I need the same back."},
        {"family", "Family comes first. That won't change for anyone."},
        {"independence", "My independence. I'll share my life, not give it up."},
        {"growth", "Never stop growing. I don't want to be the same person in ten years."},
        {"spirituality", "My faith. It's part of who I am, not a preference."},
        {"agreeableness", "Kindness, even when it's hard."},
        {"ambition", "Doing my work well. I won't apologise for caring about it."}};
    const auto* best = &kPrinciples[0];
    double strongest = -2;
    for (const auto& principle : kPrinciples) {
      double v = p[principle.first] + rng.normal(0, 0.1);
      if (v > strongest) {
        strongest = v;
        best = &principle;
      }
    }
    text = std::string(best->second);
  } else {
    // Anything else: what the person is like and needs, in their own words.
    static constexpr std::string_view kShapes[] = {"{0} I need someone {1} and {2}, who understands why I love {3}.",
                                                   "{0} Honestly, someone {1} who doesn't mind {3} would be perfect.",
                                                   "{0} Mostly I want someone {1} to share {3} with."};
    text = fmt::format(fmt::runtime(rng.pick(kShapes)), traits[0]->opener, traits[1]->adjective, traits[2]->adjective,
                       first);
  }
  return fit(text, max_length);
}

}  // namespace pm::demo
