#pragma once
// One demo user, drawn from (--seed, number) alone: who they are, where, whom they seek, their
// preferences and plan, and whose answers they give (their own, or, for about one in ten, an
// earlier user's exactly: the matching index must cope with identical answer vectors).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "demo/personality.hpp"

namespace pm::demo {

struct Person {
  int number = 0;  // from 1: demo{number}@demo.perfectmatch.test
  std::string email, first_name, gender, seeking_gender;
  int age = 0;
  std::chrono::year_month_day birth_date;
  std::string location_label;
  double latitude = 0, longitude = 0;
  std::string visibility;
  int min_age = 18, max_age = 99, max_distance = 50;
  bool premium = false;
  // The user whose answer stream this user answers with: themself, or the earlier user they clone.
  int answers_of = 0;
  Personality personality;  // a clone shares its original's, so bio and answers agree
  std::vector<std::string> interests;
  std::string bio;
  int photos = 0;  // placeholder photos to upload (0-3)
  std::string device_type;
  long long completion_seconds = 0;  // questionnaire start to completion

  bool is_clone() const { return answers_of != number; }
};

std::string demo_email(int number);

// Pure: the same (seed, number, today) always gives the same person. `today` fixes birth dates
// so that each user is exactly the age drawn.
Person make_person(std::uint64_t seed, int number, std::chrono::year_month_day today);

}  // namespace pm::demo
