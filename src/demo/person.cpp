#include "demo/person.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "demo/cities.hpp"
#include "demo/names.hpp"
#include "demo/text.hpp"

namespace pm::demo {

namespace {

constexpr double kCloneShare = 0.10;
constexpr double kPremiumShare = 0.15;
constexpr double kPhotoShare = 2.0 / 3.0;

template <std::size_t N>
std::string_view choose(Rng& rng, const std::pair<std::string_view, double> (&table)[N]) {
  double weights[N];
  for (std::size_t i = 0; i < N; ++i) weights[i] = table[i].second;
  return table[rng.weighted(weights)].first;
}

std::string_view name_from(Rng& rng, std::span<const std::string_view> names) {
  return names[static_cast<std::size_t>(rng.integer(0, static_cast<int>(names.size()) - 1))];
}

// Mostly 25-40, a band of 18-24, and a tail up to 70.
int draw_age(Rng& rng) {
  double u = rng.uniform();
  int age;
  if (u < 0.68)
    age = std::clamp(static_cast<int>(std::lround(rng.normal(31, 4.5))), 22, 45);
  else if (u < 0.80)
    age = rng.integer(18, 24);
  else
    age = 40 + static_cast<int>(std::lround(std::abs(rng.normal(0, 11))));
  return std::clamp(age, 18, 70);
}

std::chrono::year_month_day birth_date_for(Rng& rng, int age, std::chrono::year_month_day today) {
  using namespace std::chrono;
  // The same day `age` years ago (28 February for a 29th), then back up to 364 days: exactly `age` today.
  year_month_day anniversary{today.year() - years(age), today.month(), today.day()};
  if (!anniversary.ok()) anniversary = year_month_day_last{anniversary.year(), month_day_last{anniversary.month()}};
  return year_month_day{sys_days(anniversary) - days(rng.integer(0, 364))};
}

// Which earlier user `number` clones, following clones of clones to the original; itself if none.
int answer_source(std::uint64_t seed, int number) {
  int current = number;
  for (;;) {
    Rng rng = Rng::stream(seed, static_cast<std::uint64_t>(current), "clone");
    if (current == 1 || !rng.chance(kCloneShare)) return current;
    current = rng.integer(1, current - 1);
  }
}

}  // namespace

std::string demo_email(int number) { return fmt::format("demo{}@demo.perfectmatch.test", number); }

Person make_person(std::uint64_t seed, int number, std::chrono::year_month_day today) {
  Rng rng = Rng::stream(seed, static_cast<std::uint64_t>(number), "person");
  Person p{.number = number, .email = demo_email(number)};

  // The values src/profiles accepts (core/vocabulary.hpp); seeking mostly the opposite gender.
  static constexpr std::pair<std::string_view, double> kGender[] = {
      {"woman", 0.47}, {"man", 0.46}, {"non_binary", 0.07}};
  p.gender = choose(rng, kGender);
  if (p.gender == "woman") {
    static constexpr std::pair<std::string_view, double> kSeeks[] = {
        {"man", 0.8}, {"woman", 0.1}, {"everyone", 0.08}, {"non_binary", 0.02}};
    p.seeking_gender = choose(rng, kSeeks);
    p.first_name = name_from(rng, rng.chance(0.95) ? women_names() : neutral_names());
  } else if (p.gender == "man") {
    static constexpr std::pair<std::string_view, double> kSeeks[] = {
        {"woman", 0.85}, {"man", 0.09}, {"everyone", 0.05}, {"non_binary", 0.01}};
    p.seeking_gender = choose(rng, kSeeks);
    p.first_name = name_from(rng, rng.chance(0.95) ? men_names() : neutral_names());
  } else {
    static constexpr std::pair<std::string_view, double> kSeeks[] = {
        {"everyone", 0.5}, {"woman", 0.2}, {"man", 0.15}, {"non_binary", 0.15}};
    p.seeking_gender = choose(rng, kSeeks);
    p.first_name = name_from(rng, rng.chance(0.7) ? neutral_names() : rng.chance(0.5) ? women_names() : men_names());
  }

  p.age = draw_age(rng);
  p.birth_date = birth_date_for(rng, p.age, today);

  std::vector<double> weights;
  for (const auto& c : cities()) weights.push_back(c.weight);
  const City& city = cities()[rng.weighted(weights)];
  double north_km = rng.normal(0, city.spread_km), east_km = rng.normal(0, city.spread_km);
  p.latitude = city.latitude + north_km / 110.574;
  p.longitude = city.longitude + east_km / (111.320 * std::cos(city.latitude * std::numbers::pi / 180));
  p.location_label = std::string(city.label);

  static constexpr std::pair<std::string_view, double> kVisibility[] = {
      {"public", 0.6}, {"matches_only", 0.33}, {"hidden", 0.07}};
  p.visibility = choose(rng, kVisibility);

  // Age ranges around the own age; men's lean younger, women's older (as dating data shows).
  double below = 2 + std::abs(rng.normal(0, 4)), above = 2 + std::abs(rng.normal(0, 5));
  if (p.gender == "man") {
    below += 3;
    above = std::max(1.0, above - 1);
  } else if (p.gender == "woman") {
    above += 3;
  }
  p.min_age = std::clamp(static_cast<int>(std::lround(p.age - below)), 18, 99);
  p.max_age = std::clamp(static_cast<int>(std::lround(p.age + above)), p.min_age, 99);
  double d = rng.uniform();
  if (d < 0.75)
    p.max_distance = 25 + 5 * static_cast<int>(std::lround(25 * std::pow(rng.uniform(), 1.3)));  // 25-150
  else if (d < 0.87)
    p.max_distance = rng.integer(5, 24);
  else
    p.max_distance = 10 * rng.integer(15, 50);  // 150-500

  static constexpr std::pair<std::string_view, double> kDevice[] = {
      {"mobile", 0.62}, {"desktop", 0.28}, {"tablet", 0.10}};
  p.device_type = choose(rng, kDevice);
  p.completion_seconds = std::clamp(static_cast<long long>(std::exp(rng.normal(std::log(1500.0), 0.5))), 300LL, 7200LL);
  p.photos = rng.chance(kPhotoShare) ? rng.integer(1, 3) : 0;

  p.answers_of = answer_source(seed, number);
  if (p.is_clone()) {
    // The same answers need the same person behind them: personality and plan come along.
    Person original = make_person(seed, p.answers_of, today);
    p.personality = std::move(original.personality);
    p.interests = std::move(original.interests);  // open answers are written from them
    p.premium = original.premium;
  } else {
    Rng traits = Rng::stream(seed, static_cast<std::uint64_t>(number), "personality");
    p.personality = draw_personality(traits, p.age);
    p.premium = Rng::stream(seed, static_cast<std::uint64_t>(number), "plan").chance(kPremiumShare);
  }

  Rng words = Rng::stream(seed, static_cast<std::uint64_t>(number), "text");
  if (!p.is_clone()) p.interests = draw_interests(words, p.personality);
  auto city_name = city.label.substr(0, city.label.find(','));
  p.bio = write_bio(words, p.personality, p.interests, city_name);
  return p;
}

}  // namespace pm::demo
