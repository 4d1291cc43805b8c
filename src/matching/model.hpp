#pragma once
// Matches as the API shows them to one of their two users: what Discovery returns and the
// routes turn into JSON.

#include <optional>
#include <string>
#include <vector>

#include "core/id.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::matching {

// The answer for a match id that names none of the caller's (also for one that is no id at all).
inline Problem no_such_match() { return Problem("not-found", "there is no such match among yours"); }

// A match as one of its two users sees it (the list, and the answer to a decision).
struct MatchView {
  std::string match_id;
  double compatibility_score = 0;
  std::string status, created_at;
  bool you_liked = false;
  std::string summary;
  Json user = nullptr;             // the other user: {user_id, first_name, age, location, photo_url}
  Json conversation_id = nullptr;  // the pair's chat, once both liked (it stays after an unmatch)

  Json to_json() const {
    return {{"match_id", match_id},   {"compatibility_score", compatibility_score},
            {"status", status},       {"created_at", created_at},
            {"you_liked", you_liked}, {"summary", summary},
            {"user", user},           {"conversation_id", conversation_id}};
  }
};

// GET /api/v1/matches: a page, best first.
struct MatchPage {
  std::vector<MatchView> matches;
  std::optional<std::string> next_cursor;
  std::string source;  // "cache" or "database"

  Json to_json() const {
    Json items = Json::array();
    for (const auto& m : matches) items.push_back(m.to_json());
    return {{"matches", items}, {"next_cursor", next_cursor ? Json(*next_cursor) : Json(nullptr)}, {"source", source}};
  }
};

// GET /api/v1/matches/{id}: the match with its attributes and the insights the plan shows.
struct MatchDetail {
  MatchView match;
  Json attributes = Json::array();  // [{name, score, description}]
  Json insights = Json::object();
  bool premium = false;  // else detailedAnalysis and premiumInsights are locked
  std::string ai_model;

  Json to_json() const {
    Json out = match.to_json();
    out["attributes"] = attributes;
    out["insights"] = insights;
    out["insights_locked"] = premium ? Json::array() : Json::array({"detailedAnalysis", "premiumInsights"});
    out["ai_model"] = ai_model;
    return out;
  }
};

// GET /api/v1/likes/received: how many people liked the user and wait for an answer; who they
// are only when the plan shows it (who_liked_me), else `matches` is empty and `locked` true.
struct LikesReceived {
  int count = 0;
  bool locked = true;
  std::vector<MatchView> matches;        // newest first
  std::vector<std::string> unlocked_by;  // when locked: the plans that show who

  Json to_json() const {
    Json items = Json::array();
    for (const auto& m : matches) items.push_back(m.to_json());
    return {{"count", count}, {"locked", locked}, {"matches", items}, {"unlocked_by", unlocked_by}};
  }
};

}  // namespace pm::matching
