#include "matching/discovery.hpp"

#include <charconv>

#include <fmt/format.h>

#include "admin/audit_log.hpp"
#include "core/background.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "matching/personal_data.hpp"
#include "outcomes/service.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::matching {

namespace {

constexpr int kCachedMatches = 100;  // ids kept in matches:recent:{userId}
constexpr auto kPhotoUrlTtl = std::chrono::seconds(900);
// A rendered page is served for at most this long, so the photo URLs signed into it stay valid for
// at least kPhotoUrlTtl - kRenderedPageMaxAge after it is sent.
constexpr auto kRenderedPageMaxAge = std::chrono::seconds(60);

// A decision on the match by `by`, kept as a training example in its transaction (docs/outcomes.md).
void record_outcome(pqxx::work& tx, const repository::MatchRow& m, const UserId& by, outcomes::Kind kind) {
  outcomes::record(tx, {.decided_by = by,
                        .about = m.user_id_1 == by ? m.user_id_2 : m.user_id_1,
                        .kind = kind,
                        .match_id = m.match_id,
                        .ranking = m.ranking});
}

// The cached, viewer-independent form of a match (the seed's match:{matchId} preview).
Json preview_of(const repository::MatchRow& m) {
  return {{"match_id", m.match_id},
          {"compatibility_score", m.score},
          {"status", to_string(m.status)},
          {"created_at", m.created_at},
          {"users", m.users},
          {"liked", {{m.user_id_1.str(), m.liked_1}, {m.user_id_2.str(), m.liked_2}}},
          {"summary", m.summary},
          {"conversation_id", m.conversation_id ? Json(*m.conversation_id) : Json(nullptr)}};
}

// The list's `status` filter: one status, or "current" (undecided and active ones) or "all".
std::vector<MatchStatus> statuses_of(const std::string& filter) {
  if (filter == "current") return {MatchStatus::pending, MatchStatus::active};
  if (filter == "all") return {MatchStatus::pending, MatchStatus::active, MatchStatus::rejected, MatchStatus::expired};
  return {match_status_from(filter).value()};  // ListQuery::parse let only these names through
}

// A cursor is the id of the last match of the page before, and nothing else: the list's order
// (matches.rank_key: the model's mutual interest) must not be readable from it. The next page
// continues after that match's stored key (repository::list_matches).
std::string cursor_of(const Json& preview) { return preview["match_id"].get<std::string>(); }
// Garbage, someone else's match and an absent one get the same answer.
Problem bad_cursor() { return Problem("validation-failed", "cursor is not one this API handed out"); }

}  // namespace

Result<ListQuery> ListQuery::parse(const std::optional<std::string>& cursor, const std::optional<std::string>& limit,
                                   const std::optional<std::string>& status) {
  ListQuery q;
  if (cursor) {
    q.cursor = MatchId::parse(*cursor);
    if (!q.cursor) return std::unexpected(bad_cursor());
  }
  if (limit) {
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), q.limit);
    if (ec != std::errc{} || end != limit->data() + limit->size() || q.limit < 1 || q.limit > 100)
      return std::unexpected(Problem("validation-failed", "limit must be an integer from 1 to 100"));
  }
  if (status) {
    if (*status != "current" && *status != "all" && !match_status_from(*status))
      return std::unexpected(
          Problem("validation-failed", "status must be current, pending, active, rejected, expired or all"));
    q.status = *status;
  }
  return q;
}

MatchView Discovery::view(const Json& preview, const UserId& viewer) {
  Json other = nullptr;
  for (const auto& u : preview["users"])
    if (u["user_id"] != viewer.str()) other = u;
  // A match that ended (passed, unmatched, expired) keeps who it was with, not how they look or
  // where they are now: else its id is a way to follow someone who left, where GET /users/{id}
  // already answers 404.
  const std::string status = preview["status"].get<std::string>();
  // So does a person who hid their profile ("nobody", as GET /users/{id} answers 404): their
  // matches made before keep their name only.
  const bool ended = status == to_string(MatchStatus::rejected) || status == to_string(MatchStatus::expired);
  if (other.is_object()) {
    const bool shown = !ended && !other.value("hidden", false);
    const Json key = shown ? other.value("photo_key", Json(nullptr)) : Json(nullptr);
    other.erase("photo_key");
    other.erase("hidden");
    other["photo_url"] =
        key.is_string() ? Json(d_.media.signed_url(key.get<std::string>(), kPhotoUrlTtl)) : Json(nullptr);
    if (!shown) other["age"] = other["location"] = nullptr;
  }
  return {.match_id = preview["match_id"].get<std::string>(),
          .compatibility_score = preview["compatibility_score"].get<double>(),
          .status = status,
          .created_at = preview["created_at"].get<std::string>(),
          .you_liked = preview["liked"].value(viewer.str(), false),
          .summary = preview["summary"].get<std::string>(),
          .user = other,
          // (a list cached before conversations were in previews has none: null until it is read again)
          .conversation_id = preview.value("conversation_id", Json(nullptr))};
}

std::optional<MatchPage> Discovery::page_of(const MatchCache::Snapshot& snapshot, const UserId& viewer, int limit) {
  std::vector<Json> previews;
  for (const auto& text : snapshot.previews) {
    auto parsed = Json::parse(text, nullptr, false);
    if (!parsed.is_object()) return std::nullopt;
    previews.push_back(std::move(parsed));
  }
  return page_of(previews, viewer, limit, "cache");
}

MatchPage Discovery::page_of(const std::vector<Json>& previews, const UserId& viewer, int limit, std::string source) {
  MatchPage page{.source = std::move(source)};
  for (std::size_t i = 0; i < previews.size() && static_cast<int>(i) < limit; ++i)
    page.matches.push_back(view(previews[i], viewer));
  if (static_cast<int>(previews.size()) > limit) page.next_cursor = cursor_of(previews[limit - 1]);
  return page;
}

Result<std::string> Discovery::list(const UserId& user_id, const ListQuery& query) {
  // Fast path: the first page of current matches, from matches:recent and match:{id}; and when
  // they hold exactly the bytes this node last rendered the viewer's page from, that page.
  // (A page of all 100 is read from PostgreSQL: the cached 100 cannot tell whether there are more.)
  const bool cacheable = !query.cursor && query.status == "current" && query.limit < kCachedMatches;
  std::string seen;  // what matches:recent held before the read from PostgreSQL below
  if (cacheable) {
    auto kept = pages_.find(user_id, query.limit, kRenderedPageMaxAge);
    // Redis has told this node of no change to the page's keys since it last read them.
    if (kept && kept->mark && d_.cache.unchanged_since(*kept->mark, kept->page->snapshot)) {
      ++kept_;
      return kept->page->json;
    }
    const auto mark = d_.cache.mark();  // before the read: a change told after it voids the page
    if (auto snapshot = d_.cache.snapshot(user_id, kept ? &kept->page->snapshot : nullptr, &seen)) {
      if (snapshot->unchanged) {
        pages_.confirm(user_id, kept->page, mark);
        ++confirmed_;
        return kept->page->json;
      }
      if (auto page = page_of(*snapshot, user_id, query.limit)) {
        auto rendered =
            std::make_shared<RenderedPages::Page>(RenderedPages::Page{.snapshot = std::move(*snapshot),
                                                                      .limit = query.limit,
                                                                      .rendered_at = std::chrono::steady_clock::now(),
                                                                      .json = dump_json(page->to_json())});
        pages_.keep(user_id, {.page = rendered, .mark = mark});
        ++rendered_;
        return rendered->json;
      }
    }
  }
  auto rows = PM_TRY(db::read(d_.db, [&](pqxx::work& tx) -> Result<std::vector<repository::MatchRow>> {
    auto listed = repository::list_matches(tx, user_id, statuses_of(query.status), query.cursor,
                                           cacheable ? kCachedMatches : query.limit + 1);
    if (!listed) return std::unexpected(bad_cursor());
    return std::move(*listed);
  }));
  std::vector<Json> previews;
  std::vector<MatchId> ids;
  for (const auto& r : rows) {
    previews.push_back(preview_of(r));
    ids.push_back(r.match_id);
  }
  if (cacheable) {
    d_.cache.put_list(user_id, ids, previews, seen);
    ++database_;
  }
  return dump_json(page_of(previews, user_id, query.limit, "database").to_json());
}

Result<MatchDetail> Discovery::detail(const UserId& user_id, const MatchId& match_id) {
  // The match and its attributes, when it has no insights yet.
  std::optional<std::pair<repository::MatchRow, std::vector<Attribute>>> first_view;
  auto read = [&] {
    return db::transact(d_.db, [&](pqxx::work& tx) -> Result<MatchDetail> {
      first_view.reset();
      auto m = repository::match_for(tx, match_id, user_id);
      if (!m) return std::unexpected(no_such_match());
      // The match's page shows the other's profile: a profile view, as GET /users/{id} is.
      admin::record(tx, {.user_id = user_id,
                         .event = "profile_view",
                         .details = {{"match_id", match_id.str()}},
                         .subject_id = (m->user_id_1 == user_id ? m->user_id_2 : m->user_id_1),
                         .unless_recorded_within = admin::kViewRecordedOncePer});
      const bool premium = subscriptions::entitlements_of(tx, user_id).full_insights;
      Json attributes = Json::array();
      std::vector<Attribute> stored;
      for (const auto& [name, score, description] : repository::attributes_of(tx, match_id)) {
        attributes.push_back({{"name", name}, {"score", score}, {"description", description}});
        stored.push_back({.name = name, .score = score, .description = description});
      }
      Json doc = repository::insight_document(tx, match_id);
      if (doc.empty()) first_view.emplace(*m, std::move(stored));
      // Before its first opening (or when that failed), what generation stored with it.
      const Json full = doc.value("insights", Json{{"summary", m->summary}, {"keyFactors", attributes}});
      // Free: the summary and key factors. Premium: the detailed analysis and premium insights too.
      Json insights = {{"summary", full.value("summary", "")}, {"keyFactors", full.value("keyFactors", Json::array())}};
      if (premium) {
        insights["detailedAnalysis"] = full.value("detailedAnalysis", "");
        insights["premiumInsights"] = full.value("premiumInsights", Json::object());
      }
      return MatchDetail{.match = view(preview_of(*m), user_id),
                         .attributes = attributes,
                         .insights = insights,
                         .premium = premium,
                         .ai_model = doc.value("aiModel", "")};
    });
  };
  auto shown = PM_TRY(read());
  if (!first_view) return shown;
  // Opened for the first time: its insights are built from both people's answers and stored now
  // (Engine::write_insights). Should that fail, the match is shown with what generation stored
  // (`shown`), and the next opening tries again.
  if (auto written = d_.engine.write_insights(first_view->first, first_view->second, user_id); !written) {
    log::warn("insights_not_written", {{"match_id", match_id.str()}, {"error", written.error().type}});
    return shown;
  }
  return read();
}

Result<MatchView> Discovery::like(const UserId& user_id, const MatchId& match_id) {
  // (user, notification) recorded in the transaction, announced live only once it committed.
  notifications::Service::Recorded recorded;
  bool changed = true;
  auto result = PM_TRY(db::transact(
      d_.db, [&](pqxx::work& tx) -> Result<std::pair<repository::MatchRow, std::optional<ConversationId>>> {
        recorded.clear();
        // Locked: of two likes at once, the second waits and sees the first's (one outcome, one
        // notification).
        auto current = repository::match_for(tx, match_id, user_id, true);
        if (!current) return std::unexpected(no_such_match());
        if (current->status != MatchStatus::pending && current->status != MatchStatus::active)
          return std::unexpected(Problem(
              "match-closed", fmt::format("this match is {} and can no longer be liked", to_string(current->status))));
        std::optional<ConversationId> conversation;
        const bool i_am_1 = current->user_id_1 == user_id;
        const bool first_like = !(i_am_1 ? current->liked_1 : current->liked_2);
        // Liked before: nothing to write, no cache to drop (repeated, it churned both people's
        // cached lists on every node for free).
        changed = first_like;
        if (!first_like) return std::pair{*current, conversation};
        auto liked = repository::like(tx, match_id, user_id);
        if (!liked) return std::unexpected(no_such_match());
        record_outcome(tx, liked->first, user_id, outcomes::Kind::like);
        if (liked->second) record_outcome(tx, liked->first, user_id, outcomes::Kind::match);
        const bool they_liked = i_am_1 ? current->liked_2 : current->liked_1;
        if (!they_liked && !liked->second) {
          // The other learns someone liked them (not who: the match shows it when they look).
          const UserId& other = i_am_1 ? current->user_id_2 : current->user_id_1;
          if (auto n = d_.notifications.record(tx, other, notifications::Type::like_received, {{"match_id", match_id}}))
            recorded.emplace_back(other, std::move(*n));
        }
        if (liked->second) {
          conversation = repository::open_conversation(tx, match_id);
          for (const auto& [me, other] : {std::pair{liked->first.user_id_1, liked->first.user_id_2},
                                          {liked->first.user_id_2, liked->first.user_id_1}})
            if (auto n = d_.notifications.record(
                    tx, me, notifications::Type::match_new,
                    {{"match_id", match_id}, {"conversation_id", *conversation}, {"user_id", other}}))
              recorded.emplace_back(me, std::move(*n));
        }
        return std::pair{liked->first, conversation};
      }));
  d_.notifications.announce(recorded);
  if (changed) {
    forget_pair(result.first.user_id_1, result.first.user_id_2);
    d_.cache.forget_match(match_id);
  }
  // (the row was read before this like opened the conversation: it names it from here)
  MatchView liked = view(preview_of(result.first), user_id);
  if (result.second) liked.conversation_id = *result.second;
  return liked;
}

Result<repository::MatchRow> Discovery::reject(const UserId& user_id, const MatchId& match_id, MatchStatus from_status,
                                               std::string_view action) {
  auto result = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<repository::MatchRow> {
    // Locked: a pass or unmatch racing another (or the like that makes it active) reads the
    // outcome of the one before it and says why it cannot be done, never "no such match".
    auto current = repository::match_for(tx, match_id, user_id, true);
    if (!current) return std::unexpected(no_such_match());
    if (current->status != from_status)
      return std::unexpected(
          Problem("match-closed", fmt::format("this match is {}; only {} matches can be {}", to_string(current->status),
                                              to_string(from_status), action)));
    auto rejected = repository::reject(tx, match_id, user_id, from_status);
    if (!rejected) return std::unexpected(no_such_match());
    record_outcome(tx, *rejected, user_id,
                   from_status == MatchStatus::pending ? outcomes::Kind::pass : outcomes::Kind::unmatch);
    return *rejected;
  }));
  forget_pair(result.user_id_1, result.user_id_2);
  d_.cache.forget_match(match_id);
  return result;
}

Result<MatchView> Discovery::pass(const UserId& user_id, const MatchId& match_id) {
  auto passed = PM_TRY(reject(user_id, match_id, MatchStatus::pending, "passed"));
  return view(preview_of(passed), user_id);
}

Result<MatchView> Discovery::rewind(const UserId& user_id, const std::function<Result<void>()>& spend) {
  if (feature_on && !feature_on("rewind", user_id)) {
    Problem off("feature-disabled", "rewinding a pass is switched off at the moment");
    off.extensions["feature"] = "rewind";
    return std::unexpected(off);
  }
  auto rewound = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<repository::MatchRow> {
    if (!subscriptions::entitlements_of(tx, user_id).rewind)
      return std::unexpected(
          subscriptions::premium_required(tx, "rewind", "rewinding a pass is not part of your plan"));
    auto last = repository::rewind_last_pass(tx, user_id, d_.expiry_days);
    if (last && last->too_old)
      return std::unexpected(
          Problem("match-closed", fmt::format("your last pass was of a match made more than {} days ago: it would have "
                                              "expired by now, so it cannot be brought back",
                                              d_.expiry_days)));
    if (!last || !last->rewound) return std::unexpected(Problem("not-found", "you have no pass to rewind"));
    const auto& row = *last->rewound;
    PM_TRY(spend());
    outcomes::rewound(tx, user_id, row.match_id);  // the pass stays, marked (docs/outcomes.md)
    return row;
  }));
  forget_pair(rewound.user_id_1, rewound.user_id_2);
  d_.cache.forget_match(rewound.match_id);
  return view(preview_of(rewound), user_id);
}

Result<LikesReceived> Discovery::likes_received(const UserId& user_id) {
  auto [rows, out] = PM_TRY(
      db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::pair<std::vector<repository::MatchRow>, LikesReceived>> {
        const bool who_liked_me = subscriptions::entitlements_of(tx, user_id).who_liked_me;
        auto received = repository::likes_received(tx, user_id, who_liked_me ? kCachedMatches : 0);
        LikesReceived likes{.count = received.count};
        if (who_liked_me)
          likes.locked = false;
        else
          likes.unlocked_by = subscriptions::plans_unlocking(tx, "who_liked_me");
        return std::pair{std::move(received.newest), std::move(likes)};
      }));
  for (const auto& r : rows) out.matches.push_back(view(preview_of(r), user_id));
  return out;
}

Result<MatchView> Discovery::unmatch(const UserId& user_id, const MatchId& match_id) {
  auto ended = PM_TRY(reject(user_id, match_id, MatchStatus::active, "ended"));
  if (on_unmatch) on_unmatch(user_id, ended.user_id_1 == user_id ? ended.user_id_2 : ended.user_id_1);
  return view(preview_of(ended), user_id);
}

Result<int> Discovery::expire() {
  auto expired =
      PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<std::tuple<MatchId, UserId, UserId>>> {
        return repository::expire_pending(tx, d_.expiry_days);
      }));
  for (const auto& [match_id, a, b] : expired) {
    d_.cache.forget_match(match_id);
    forget_pair(a, b);
  }
  return static_cast<int>(expired.size());
}

void Discovery::block_committed(const UserId& blocker, const UserId& blocked) {
  // After the block's commit, its own transaction: the block stands whatever happens here (the
  // pair is hidden either way); a failure is logged, and the match then returns at an unblock.
  survive("block_pending_matches_not_ended", [&] {
    auto ended = db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<MatchId>> {
      return repository::end_pending_between(tx, blocker, blocked);
    });
    if (ended)
      for (const auto& id : *ended) d_.cache.forget_match(id);
    else
      log::warn("block_pending_matches_not_ended", {{"problem", ended.error().type}});
  });
  forget_pair(blocker, blocked);
}

void Discovery::forget_pair(const UserId& a, const UserId& b) {
  d_.cache.forget_user(a);
  d_.cache.forget_user(b);
}

void Discovery::forget_previews_of(const UserId& user_id) {
  // Called once the change has committed: a failure here (even one transact lets through as an
  // exception, e.g. a statement timeout) must not turn the saved change into an error.
  survive("match_previews_not_dropped", [&] {
    auto current = db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::vector<std::pair<MatchId, UserId>>> {
      db::AsSystem system(tx);  // a moderator's removal of the user's photo asks too
      return repository::current_matches_of(tx, user_id);
    });
    if (!current) {
      log::warn("match_previews_not_dropped", {{"error", current.error().type}});
      return;
    }
    std::vector<MatchId> match_ids;
    std::vector<UserId> users{user_id};
    for (auto& [match_id, partner] : *current) {
      match_ids.push_back(std::move(match_id));
      users.push_back(std::move(partner));
    }
    // Both users' lists too: a read of one from PostgreSQL under way writes its old previews only
    // over the list's marker it saw (MatchCache::put_list).
    d_.cache.forget_users(users);
    d_.cache.forget_matches(match_ids);
  });
}

profiles::AfterAccountDeletion Discovery::before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  std::vector<MatchId> match_ids;
  std::vector<UserId> users{user_id};
  for (auto& [match_id, partner] : matching::before_account_deletion(tx, user_id)) {
    match_ids.push_back(std::move(match_id));
    users.push_back(std::move(partner));
  }
  return {.then = [this, match_ids = std::move(match_ids), users = std::move(users)] {
    d_.cache.forget_matches(match_ids);
    d_.cache.forget_users(users);
  }};
}

}  // namespace pm::matching
