// The own profile, preferences, other users' profiles, blocks, reports, export and deletion.

#include <thread>

#include <gtest/gtest.h>

#include "auth/restrictions.hpp"
#include "db/transaction.hpp"

#include "support/accounts.hpp"
#include "support/fixtures.hpp"

using namespace pm;
using test::TestServer;
using Json = nlohmann::json;

namespace {

test::HttpResult patch_me(TestServer& s, const test::TestUser& u, const Json& body) {
  return s.request("PATCH", "/api/v1/me", body.dump(), u.auth());
}

const Json kParis = {{"location", {{"label", "Paris"}, {"latitude", 48.8566}, {"longitude", 2.3522}}}};
const Json kLyon = {{"location", {{"label", "Lyon"}, {"latitude", 45.764}, {"longitude", 4.8357}}}};

void make_public(TestServer& s, const test::TestUser& u) {
  ASSERT_EQ(patch_me(s, u, {{"profile_visibility", "public"}}).status, 200);
}

}  // namespace

TEST(Profile, OwnProfileShowsDecryptedFieldsAndCompletesWithALocation) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto me = server.request("GET", "/api/v1/me", "", ada.auth());
  ASSERT_EQ(me.status, 200) << me.body;
  auto body = me.json();
  EXPECT_EQ(body["email"], ada.email);
  EXPECT_EQ(body["last_name"], "Lovelace");
  EXPECT_EQ(body["birth_date"], "1990-12-10");
  EXPECT_GE(body["age"].get<int>(), 35);
  EXPECT_EQ(body["profile_visibility"], "matches_only") << "the seed's default";
  EXPECT_EQ(body["profile_completed"], false) << "no location yet";

  auto done = patch_me(server, ada, kParis);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["profile_completed"], true);
  EXPECT_EQ(done.json()["location"]["label"], "Paris");
  EXPECT_NEAR(done.json()["location"]["latitude"].get<double>(), 48.86, 1e-9)
      << "kept to the 0.01 degree distances are measured on, not to the metre";
  EXPECT_NEAR(done.json()["location"]["longitude"].get<double>(), 2.35, 1e-9);
  {  // A point stored to the metre before the rule is read back to the grid too.
    auto conn = db.connect();
    pqxx::nontransaction(conn).exec_params0(
        "UPDATE users SET location_point = ST_SetSRID(ST_MakePoint(2.35222, 48.85661), 4326)::geography "
        "WHERE user_id = $1",
        ada.user_id);
    auto read = server.request("GET", "/api/v1/me", "", ada.auth()).json();
    EXPECT_NEAR(read["location"]["latitude"].get<double>(), 48.86, 1e-9) << read.dump();
    EXPECT_NEAR(read["location"]["longitude"].get<double>(), 2.35, 1e-9) << read.dump();
  }

  auto bio = patch_me(server, ada, {{"bio", "  Analyst of engines.  "}, {"last_name", nullptr}});
  EXPECT_EQ(bio.json()["bio"], "Analyst of engines.");
  EXPECT_TRUE(bio.json()["last_name"].is_null());

  auto cleared = patch_me(server, ada, {{"location", nullptr}});
  EXPECT_EQ(cleared.json()["profile_completed"], false) << "completion follows the fields matching needs";
}

TEST(Profile, InvalidChangesAreRefusedWithEveryReasonAndNothingChanges) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  auto res = patch_me(server, ada,
                      {{"gender", "robot"},
                       {"seeking_gender", 42},
                       {"birth_date", test::birth_date_aged(10)},
                       {"bio", std::string(2001, 'x')},
                       {"profile_visibility", "everyone"},
                       {"location", {{"label", "Nowhere"}, {"latitude", 91}, {"longitude", "east"}}},
                       {"email", "new@example.test"},
                       {"first_name", "Ada"}});
  ASSERT_EQ(res.status, 400) << res.body;
  std::set<std::string> fields;
  auto body = res.json();
  for (const auto& e : body["errors"]) fields.insert(e["field"]);
  for (const char* f : {"gender", "seeking_gender", "birth_date", "bio", "profile_visibility", "location.latitude",
                        "location.longitude", "email"})
    EXPECT_TRUE(fields.count(f)) << f << ": " << res.body;
  EXPECT_FALSE(fields.count("first_name"));
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).json()["gender"], "woman") << "nothing was applied";
  EXPECT_EQ(server.request("PATCH", "/api/v1/me", "[1,2]", ada.auth()).status, 400);
  // A field named twice (what a gateway keeping the first one would read otherwise).
  auto twice = server.request("PATCH", "/api/v1/me", R"({"bio": "a", "bio": "b"})", ada.auth());
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(twice.json()["type"], "/problems/malformed-json") << twice.body;
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).json()["bio"], nullptr) << "nothing was applied";
  EXPECT_EQ(server.request("GET", "/api/v1/me").status, 401);
}

// A name others see in lists, chats and the staff queue: one that shows as blank (a Hangul filler,
// a no-break space) or reads as another (a right-to-left override) is refused; the marks that
// right-to-left writing uses and emoji sequences are text like any other.
TEST(Profile, ANameMustShowAndReadAsItIs) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  for (const char* blank : {"\u3164", "\u00a0\u200b", "\ufeff"}) {
    auto res = patch_me(server, ada, {{"first_name", blank}});
    EXPECT_EQ(res.status, 400) << blank << ": " << res.body;
  }
  for (const char* reordering : {"Ada\u202egnp.exe", "\u2066Ada\u2069", "Ada\u0085"}) {
    auto res = patch_me(server, ada, {{"first_name", reordering}});
    EXPECT_EQ(res.status, 400) << reordering << ": " << res.body;
  }
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).json()["first_name"], "Ada") << "nothing was applied";
  for (const char* name : {"\u05d3\u05e0\u05d4\u200f", "Zo\u00eb \U0001F469\u200d\U0001F467"}) {
    auto res = patch_me(server, ada, {{"first_name", name}});
    EXPECT_EQ(res.status, 200) << name << ": " << res.body;
  }
}

TEST(Preferences, DefaultsPartialUpdatesAndValidation) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  auto prefs = server.request("GET", "/api/v1/me/preferences", "", ada.auth());
  ASSERT_EQ(prefs.status, 200);
  EXPECT_EQ(prefs.json()["min_age"], 18);
  EXPECT_EQ(prefs.json()["notification_settings"]["new_match"], true);

  auto put = [&](const Json& body) { return server.request("PUT", "/api/v1/me/preferences", body.dump(), ada.auth()); };
  auto ok = put({{"min_age", 30}, {"max_age", 45}, {"max_distance", 120}, {"privacy_settings", {{"show_age", false}}}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["max_distance"], 120);
  EXPECT_EQ(ok.json()["privacy_settings"]["show_age"], false);
  EXPECT_EQ(ok.json()["privacy_settings"]["discoverable"], true) << "settings merge key by key";

  EXPECT_EQ(put({{"min_age", 50}}).status, 400) << "min_age above max_age (45)";
  EXPECT_EQ(put({{"max_age", 100}}).status, 400);
  EXPECT_EQ(put({{"min_age", 17}}).status, 400);
  EXPECT_EQ(put({{"max_distance", 0}}).status, 400);
  auto unknown = put({{"notification_settings", {{"carrier_pigeon", true}}}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("notification_settings.carrier_pigeon"), std::string::npos) << unknown.body;
  EXPECT_EQ(put({{"privacy_settings", {{"show_age", "no"}}}}).status, 400);
  EXPECT_EQ(put({{"theme", "dark"}}).status, 400);
  EXPECT_EQ(server.request("GET", "/api/v1/me/preferences", "", ada.auth()).json()["min_age"], 30)
      << "refused changes left no trace";
}

// Two changes at once (two tabs; the app saving its language while she hides her profile): each
// keeps the other's. Before, the second wrote back the settings it had read before the first
// committed, and she was discoverable again without knowing it.
TEST(Preferences, TwoChangesAtOnceKeepEachOther) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  db.slow_down("user_preferences", "AFTER UPDATE", 0.4);  // the second reads while the first writes
  auto put = [&](const Json& body) { return server.request("PUT", "/api/v1/me/preferences", body.dump(), ada.auth()); };
  int hidden = 0, language = 0;
  std::thread first([&] { hidden = put({{"privacy_settings", {{"discoverable", false}}}}).status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::thread second([&] { language = put({{"language", "de"}}).status; });
  first.join();
  second.join();
  ASSERT_EQ(hidden, 200);
  ASSERT_EQ(language, 200);
  auto now = server.request("GET", "/api/v1/me/preferences", "", ada.auth()).json();
  EXPECT_EQ(now["privacy_settings"]["discoverable"], false) << "the first change stands";
  EXPECT_EQ(now["language"], "de");
}

// A stalker who moves their own pin and watches the step ("2 km" or "5 km") learns where the step
// flips: with distances from the exact point, that is a circle of exactly 2 km around her, and three
// of them are her door. The distance is from the centre of her ~1 km cell, so it says no more.
TEST(OtherProfiles, TheDistanceShownIsFromTheCellNotFromThePoint) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man", "woman");
  make_public(server, ada);
  auto ada_at = [&](double lat, double lon) {
    ASSERT_EQ(
        patch_me(server, ada, {{"location", {{"label", "Berlin"}, {"latitude", lat}, {"longitude", lon}}}}).status,
        200);
  };
  // Bob in the cell two north of (52.50, 13.40), 2.06 km north of that centre; distances are
  // between the cells' centres (2.2 km here).
  ASSERT_EQ(
      patch_me(server, bob, {{"location", {{"label", "Berlin"}, {"latitude", 52.5185}, {"longitude", 13.40}}}}).status,
      200);
  auto shown = [&] {
    auto seen = server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth());
    EXPECT_EQ(seen.status, 200) << seen.body;
    return seen.json().value("distance_km", -1.0);
  };
  ada_at(52.5049, 13.4049);  // 1.5 km from Bob, in the cell's north-east corner
  EXPECT_EQ(shown(), 5) << "the step of her exact distance (2) would place her";
  ada_at(52.5001, 13.4001);  // 2.05 km from Bob, the same cell
  EXPECT_EQ(shown(), 5);
  ada_at(52.5101, 13.4001);  // the next cell north, 1.0 km from its centre
  EXPECT_EQ(shown(), 2);
  // Nor from the viewer's own point: moving within his cell shows nothing new (and the daily
  // location budget counts cells, so such moves cost nothing).
  ada_at(52.5049, 13.4049);
  ASSERT_EQ(
      patch_me(server, bob, {{"location", {{"label", "Berlin"}, {"latitude", 52.5151}, {"longitude", 13.40}}}}).status,
      200);
  EXPECT_EQ(shown(), 5) << "the step from his point, 1.7 km from her cell's centre (2), would tell more";
}

TEST(OtherProfiles, VisibilityDecidesWhoSeesWhat) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man", "woman");
  patch_me(server, ada, kParis);
  patch_me(server, bob, kLyon);
  auto view = [&](const test::TestUser& viewer, const test::TestUser& of) {
    return server.request("GET", "/api/v1/users/" + of.user_id, "", viewer.auth());
  };

  EXPECT_EQ(view(bob, ada).status, 404) << "matches_only, and they are not matched";
  make_public(server, ada);
  auto seen = view(bob, ada);
  ASSERT_EQ(seen.status, 200) << seen.body;
  auto body = seen.json();
  EXPECT_EQ(body["first_name"], "Ada");
  EXPECT_EQ(body["location_label"], "Paris");
  EXPECT_EQ(body["distance_km"].get<double>(), 500) << "Paris to Lyon (392 km), as a coarse step";
  for (const char* secret : {"email", "last_name", "birth_date", "location"})
    EXPECT_FALSE(body.contains(secret)) << secret;
  EXPECT_EQ(seen.body.find(ada.email), std::string::npos);
  // Last active as its day, never the time: read every minute, the time was a log of her days.
  EXPECT_TRUE(body["last_active"].get<std::string>().ends_with("T00:00:00.000Z")) << body["last_active"];
  // Nor her photos' upload times: to the millisecond, they said when she was on the app.
  auto photo_headers = ada.auth();
  photo_headers.emplace_back("Content-Type", "image/jpeg");
  ASSERT_EQ(server.request("POST", "/api/v1/me/media", test::read_fixture("gps.jpg"), photo_headers).status, 201);
  auto photos = view(bob, ada).json()["photos"];
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_TRUE(photos[0]["uploaded_at"].get<std::string>().ends_with("T00:00:00.000Z")) << photos[0]["uploaded_at"];
  auto own = view(ada, ada).json()["photos"];
  ASSERT_EQ(own.size(), 1u);
  EXPECT_FALSE(own[0]["uploaded_at"].get<std::string>().ends_with("T00:00:00.000Z")) << "her own, to the millisecond";

  server.request("PUT", "/api/v1/me/preferences",
                 Json{{"privacy_settings", {{"show_age", false}, {"show_distance", false}}}}.dump(), ada.auth());
  auto private_bits = view(bob, ada).json();
  EXPECT_TRUE(private_bits["age"].is_null());
  EXPECT_TRUE(private_bits["distance_km"].is_null());

  patch_me(server, ada, {{"profile_visibility", "hidden"}});
  EXPECT_EQ(view(bob, ada).status, 404);
  EXPECT_EQ(view(ada, ada).status, 200) << "one always sees oneself";

  patch_me(server, ada, {{"profile_visibility", "matches_only"}});
  auto conn = db.connect();
  pqxx::work tx(conn);
  tx.exec_params("INSERT INTO matches (user_id_1, user_id_2, compatibility_score) VALUES ($1, $2, 80)", ada.user_id,
                 bob.user_id);
  tx.commit();
  EXPECT_EQ(view(bob, ada).status, 200) << "matched users see a matches_only profile";

  EXPECT_EQ(server.request("GET", "/api/v1/users/not-a-uuid", "", bob.auth()).status, 404);
  EXPECT_EQ(server.request("GET", "/api/v1/users/00000000-0000-4000-8000-000000000000", "", bob.auth()).status, 404);
}

TEST(OtherProfiles, ABlockHidesEachFromTheOther) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  make_public(server, ada);
  make_public(server, bob);
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + bob.user_id, "", ada.auth()).status, 200);

  EXPECT_EQ(server.request("POST", "/api/v1/users/" + bob.user_id + "/block", "", ada.auth()).status, 204);
  EXPECT_EQ(server.request("POST", "/api/v1/users/" + bob.user_id + "/block", "", ada.auth()).status, 204)
      << "idempotent";
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + bob.user_id, "", ada.auth()).status, 404);
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth()).status, 404) << "both ways";

  EXPECT_EQ(server.request("DELETE", "/api/v1/users/" + bob.user_id + "/block", "", ada.auth()).status, 204);
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth()).status, 200);

  EXPECT_EQ(server.request("POST", "/api/v1/users/" + ada.user_id + "/block", "", ada.auth()).status, 400)
      << "not oneself";
  EXPECT_EQ(server.request("POST", "/api/v1/users/00000000-0000-4000-8000-000000000000/block", "", ada.auth()).status,
            204)
      << "nobody is blocked as anyone is: whether an account exists is not told";
}

// An id that is no UUID, one in capitals and one of nobody: the profile of the first and last is
// the same 404 (a prober learns nothing), a block or report of nobody is answered as anyone's, and
// the capitals name the same person as the lower case.
TEST(OtherProfiles, AnIdIsReadOnceWhateverItsCaseAndAMalformedOneIsNobody) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  make_public(server, bob);
  std::string upper = bob.user_id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto seen = server.request("GET", "/api/v1/users/" + upper, "", ada.auth());
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.json()["user_id"], bob.user_id);
  for (const std::string& id : {std::string("not-a-uuid"), std::string("00000000-0000-4000-8000-000000000000")}) {
    for (const auto& [method, suffix] : std::vector<std::pair<std::string, std::string>>{
             {"GET", ""}, {"POST", "/block"}, {"DELETE", "/block"}, {"POST", "/report"}}) {
      auto res = server.request(method, "/api/v1/users/" + id + suffix, R"({"reason":"spam"})", ada.auth());
      if (id == "not-a-uuid" || method == "GET") {
        EXPECT_EQ(res.status, 404) << method << " " << id << suffix << ": " << res.body;
        EXPECT_EQ(res.json()["type"], "/problems/not-found") << res.body;
      } else {
        EXPECT_EQ(res.status, suffix == "/report" ? 201 : 204) << method << " " << id << suffix << ": " << res.body;
      }
    }
  }
  // Blocking in capitals blocks the person: they are hidden afterwards.
  ASSERT_EQ(server.request("POST", "/api/v1/users/" + upper + "/block", "", ada.auth()).status, 204);
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + bob.user_id, "", ada.auth()).status, 404);
}

// Whoever kept someone's id (every match shows it) could ask a block or a report of it: 204 or
// 201 for an account that is hidden or blocks them, 404 for one deleted. A stalker learnt so
// whether the person they follow is still here, to come back under a new account.
TEST(OtherProfiles, BlockAndReportDoNotTellAHiddenAccountFromADeletedOne) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  const std::string nobody = "3f1e0c55-5a4e-4c8e-9d3b-6b1f7e2a9c10";  // as an account deleted leaves its id
  ASSERT_EQ(patch_me(server, bob, {{"profile_visibility", "hidden"}}).status, 200);
  for (const auto& id : {bob.user_id, std::string(nobody)}) {
    EXPECT_EQ(server.request("GET", "/api/v1/users/" + id, "", ada.auth()).status, 404) << id;
    EXPECT_EQ(server.request("POST", "/api/v1/users/" + id + "/block", "", ada.auth()).status, 204) << id;
    EXPECT_EQ(server.request("DELETE", "/api/v1/users/" + id + "/block", "", ada.auth()).status, 204) << id;
    auto report = server.request("POST", "/api/v1/users/" + id + "/report", R"({"reason":"harassment"})", ada.auth());
    EXPECT_EQ(report.status, 201) << id << ": " << report.body;
    EXPECT_EQ(report.json()["report_id"].get<std::string>().size(), 36u) << report.body;
  }
  // The report of nobody is filed about nobody, as one is once its account is deleted.
  auto conn = db.connect();
  EXPECT_EQ(pqxx::nontransaction(conn)
                .exec_params1("SELECT count(*) FROM user_reports WHERE reporter_id = $1 AND reported_id IS NULL",
                              ada.user_id)[0]
                .as<int>(),
            1);
  EXPECT_EQ(pqxx::nontransaction(conn)
                .exec_params1("SELECT count(*) FROM user_blocks WHERE blocked_id = $1", std::string(nobody))[0]
                .as<int>(),
            0);
}

// Whom one blocked, to unblock from: one's own blocks only, newest first, by the name one could see
// when blocking (none for someone who had blocked one first: the list must not show their name,
// nor a name changed since); never the blocks others set on one; nobody's without a session, nor
// a suspended account's.
TEST(OtherProfiles, TheBlockListShowsOnlyOnesOwnBlocksToUnblockFrom) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  auto cid = test::sign_up(server, test::unique_email("cid"), "Cid", "man");
  auto block = [&](const test::TestUser& by, const test::TestUser& whom) {
    ASSERT_EQ(server.request("POST", "/api/v1/users/" + whom.user_id + "/block", "", by.auth()).status, 204);
  };
  auto names = [&](const test::TestUser& of) {
    auto res = server.request("GET", "/api/v1/me/blocks", "", of.auth());
    EXPECT_EQ(res.status, 200) << res.body;
    const Json body = res.json();
    std::vector<std::string> out;
    for (const auto& b : body.at("blocks")) {
      EXPECT_EQ(b["blocked_at"].get<std::string>().size(), 24u) << b.dump();
      const std::string name = b.at("first_name").is_null() ? "(no name)" : b["first_name"].get<std::string>();
      out.push_back(name + ":" + b["user_id"].get<std::string>());
    }
    return out;
  };
  for (const auto* who : {&ada, &bob, &cid}) make_public(server, *who);  // each could see the others
  block(ada, bob);
  block(ada, cid);
  block(bob, ada);
  EXPECT_EQ(names(ada), (std::vector<std::string>{"Cid:" + cid.user_id, "Bob:" + bob.user_id})) << "newest first";
  EXPECT_EQ(names(bob), (std::vector<std::string>{"(no name):" + ada.user_id}))
      << "his own, not Ada's of him; and without her name, which her block of him hides from him";
  ASSERT_EQ(patch_me(server, cid, {{"first_name", "Cyd"}}).status, 200);
  EXPECT_EQ(names(ada).front(), "Cid:" + cid.user_id) << "the name as she saw it, not one changed since";
  EXPECT_TRUE(names(cid).empty()) << "a block set on Cid is not his to see";
  ASSERT_EQ(server.request("DELETE", "/api/v1/users/" + cid.user_id + "/block", "", ada.auth()).status, 204);
  EXPECT_EQ(names(ada), (std::vector<std::string>{"Bob:" + bob.user_id})) << "unblocked, gone from the list";
  EXPECT_EQ(server.request("GET", "/api/v1/me/blocks").status, 401) << "signed out";

  ASSERT_TRUE(db::transact(server.app().db, [&](pqxx::work& tx) -> Result<bool> {
                db::AsSystem as_system(tx);
                auth::suspend(tx, ada.id(), 3);
                return true;
              }).has_value());
  ASSERT_TRUE(server.app().auth.end_queued_sessions(50).has_value());
  EXPECT_EQ(server.request("GET", "/api/v1/me/blocks", "", ada.auth()).status, 401) << "suspended";
}

TEST(OtherProfiles, ReportsTakeADocumentedReason) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  auto report = [&](const Json& body) {
    return server.request("POST", "/api/v1/users/" + bob.user_id + "/report", body.dump(), ada.auth());
  };
  auto ok = report({{"reason", "fake_profile"}, {"details", "Photos are of a celebrity."}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["report_id"].get<std::string>().size(), 36u);
  EXPECT_EQ(report({{"reason", "dislike"}}).status, 400);
  EXPECT_EQ(report({{"details", "no reason"}}).status, 400);
  EXPECT_EQ(report({{"reason", "spam"}, {"details", std::string(3000, 'x')}}).status, 400);
}

TEST(Privacy, ExportHoldsMyDataAndNobodyElses) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  patch_me(server, ada, kParis);
  auto report = server.request("POST", "/api/v1/users/" + bob.user_id + "/report",
                               Json{{"reason", "spam"}, {"details", "Selling things."}}.dump(), ada.auth());
  ASSERT_EQ(report.status, 201) << report.body;
  // A moderator (here Bob himself, any staff id will do) bans him over it.
  {
    auto conn = db.connect();
    pqxx::nontransaction q(conn);
    q.exec_params(
        "UPDATE user_reports SET status = 'reviewed', resolution = 'ban', resolved_by = $2, "
        "resolved_at = now() WHERE report_id = $1",
        report.json()["report_id"].get<std::string>(), bob.user_id);
  }
  server.request("POST", "/api/v1/users/" + bob.user_id + "/block", "", ada.auth());
  auto photo_headers = ada.auth();
  photo_headers.emplace_back("Content-Type", "image/jpeg");
  ASSERT_EQ(server.request("POST", "/api/v1/me/media", test::read_fixture("gps.jpg"), photo_headers).status, 201);
  auto res = server.request("GET", "/api/v1/me/export", "", ada.auth());
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.header("Content-Disposition").find("attachment"), std::string::npos);
  auto data = res.json();
  // Every module's part is there (each reads its own rows; app hands the ones above profiles in).
  std::set<std::string> parts;
  for (const auto& [name, _] : data.items()) parts.insert(name);
  EXPECT_EQ(parts, (std::set<std::string>{"active_sessions",
                                          "answers",
                                          "blocks",
                                          "decisions",
                                          "embedding",
                                          "linked_providers",
                                          "matches",
                                          "messages_sent",
                                          "notifications",
                                          "payment_events",
                                          "photos",
                                          "preferences",
                                          "push_subscriptions",
                                          "questionnaire_responses",
                                          "reports_filed",
                                          "security_log",
                                          "sessions",
                                          "subscription",
                                          "user",
                                          "vectors"}));
  ASSERT_EQ(data["sessions"].size(), 1u) << "her one signed-in device";
  EXPECT_EQ(data["active_sessions"], 1);
  EXPECT_FALSE(data["sessions"][0]["created_at"].get<std::string>().empty());
  EXPECT_EQ(data["user"][0]["email"], ada.email);
  EXPECT_EQ(data["user"][0]["last_name"], "Lovelace");
  EXPECT_FALSE(data["user"][0].contains("password_hash"));
  EXPECT_EQ(data["preferences"].size(), 1u);
  EXPECT_EQ(data["subscription"][0]["plan_type"], "free");
  EXPECT_EQ(data["blocks"][0]["blocked_id"], bob.user_id);
  // Her photo itself, not only its key in the store: the URL gives the image.
  ASSERT_EQ(data["photos"].size(), 1u);
  auto image = server.request("GET", data["photos"][0]["url"].get<std::string>());
  EXPECT_EQ(image.status, 200) << data["photos"][0].dump();
  EXPECT_EQ(image.header("Content-Type"), "image/jpeg");
  // Her report as she filed it and whether it was looked at, not what was done or by whom.
  ASSERT_EQ(data["reports_filed"].size(), 1u);
  std::set<std::string> report_keys;
  for (const auto& [key, _] : data["reports_filed"][0].items()) report_keys.insert(key);
  EXPECT_EQ(report_keys,
            (std::set<std::string>{"report_id", "reported_id", "reason", "details", "status", "created_at"}));
  EXPECT_EQ(data["reports_filed"][0]["details"], "Selling things.");
  std::set<std::string> events;
  for (const auto& e : data["security_log"]) events.insert(e["event"]);
  EXPECT_TRUE(events.count("signup"));
  EXPECT_EQ(res.body.find(bob.email), std::string::npos) << "another user's data leaked into the export";
}

// The export's security log was the newest 1,000 entries: one profile_view per profile viewed
// (per 10 minutes) pushed a busy user's older sign-ins, with their addresses, out of it well within
// the 90 days the log keeps them.
TEST(Privacy, TheExportHoldsEveryKeptSecurityLogEntry) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  {
    auto conn = db.connect();
    pqxx::nontransaction(conn).exec_params(
        "INSERT INTO audit_log (user_id, event, details, created_at) "
        "SELECT $1, 'profile_view', jsonb_build_object('n', g), now() + g * interval '1 millisecond' "
        "FROM generate_series(1, 1500) g",
        ada.user_id);
  }
  auto res = server.request("GET", "/api/v1/me/export", "", ada.auth());
  ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
  const auto log = res.json()["security_log"];
  EXPECT_GE(log.size(), 1501u);
  EXPECT_EQ(log.back()["event"], "signup") << "the oldest entry, the sign-up (1,500 views since), is there";
}

TEST(Privacy, DeletingTheAccountRemovesItsRowsAndSessions) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  make_public(server, ada);
  EXPECT_EQ(server.request("DELETE", "/api/v1/me", "", ada.auth()).status, 204);
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).status, 401) << "sessions ended";
  EXPECT_EQ(server.request("POST", "/api/v1/auth/login", Json{{"email", ada.email}, {"password", ada.password}}.dump())
                .status,
            401);
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth()).status, 404);
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  for (const char* table : {"users", "user_preferences", "subscription_details"})
    EXPECT_EQ(
        q.exec_params1(std::string("SELECT count(*) FROM ") + table + " WHERE user_id = $1", ada.user_id)[0].as<int>(),
        0)
        << table;
  EXPECT_EQ(
      q.exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'account_deletion'", ada.user_id)[0]
          .as<int>(),
      1)
      << "the deletion itself stays on record";
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", bob.auth()).status, 200) << "others are untouched";
}

// Blocks, reports, exports and moves are cheap to make and harm others (or the service) when
// flooded: each has a budget per user per day, and one user's budget is not another's.
TEST(Abuse, CheapActionsHaveADailyBudgetPerUser) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.block_limit_per_day = 2;
  config.report_limit_per_day = 2;
  config.export_limit_per_day = 1;
  config.location_limit_per_day = 2;
  config.profile_edit_limit_per_hour = 6;
  config.profile_view_limit_per_hour = 3;
  TestServer server(config);
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  auto cid = test::sign_up(server, test::unique_email("cid"), "Cid", "man");
  auto on = [&](const test::TestUser& by, const std::string& method, const std::string& path, const Json& body = {}) {
    return server.request(method, path, body.is_null() ? "" : body.dump(), by.auth());
  };
  const auto bob_path = "/api/v1/users/" + bob.user_id;

  EXPECT_EQ(on(ada, "POST", bob_path + "/block").status, 204);
  EXPECT_EQ(on(ada, "DELETE", bob_path + "/block").status, 204);
  auto blocked = on(ada, "POST", bob_path + "/block");
  EXPECT_EQ(blocked.status, 429) << "unblocks count with blocks: " << blocked.body;
  EXPECT_EQ(blocked.json()["type"], "/problems/rate-limited");
  EXPECT_GT(std::stoi(blocked.header("Retry-After")), 3600) << "a day's budget";
  EXPECT_EQ(on(cid, "POST", bob_path + "/block").status, 204) << "another user's budget is untouched";

  const Json reason = {{"reason", "spam"}};
  EXPECT_EQ(on(ada, "POST", bob_path + "/report", reason).status, 201);
  EXPECT_EQ(on(ada, "POST", "/api/v1/users/" + cid.user_id + "/report", reason).status, 201);
  EXPECT_EQ(on(ada, "POST", bob_path + "/report", reason).status, 429);

  EXPECT_EQ(on(ada, "GET", "/api/v1/me/export").status, 200);
  EXPECT_EQ(on(ada, "GET", "/api/v1/me/export").status, 429);

  const Json kMarseille = {{"location", {{"label", "Marseille"}, {"latitude", 43.2965}, {"longitude", 5.3698}}}};
  EXPECT_EQ(on(ada, "PATCH", "/api/v1/me", kParis).status, 200);
  EXPECT_EQ(on(ada, "PATCH", "/api/v1/me", kLyon).status, 200);
  auto third = on(ada, "PATCH", "/api/v1/me", kMarseille);
  EXPECT_EQ(third.status, 429) << "a third place in a day: " << third.body;
  EXPECT_GT(std::stoi(third.header("Retry-After")), 3600) << "a day's budget";
  EXPECT_EQ(on(ada, "PATCH", "/api/v1/me", {{"bio", "still editable"}}).status, 200) << "other fields are not limited";
  EXPECT_EQ(on(ada, "PATCH", "/api/v1/me", {{"location", nullptr}}).status, 200) << "clearing it is not a move";
  // Back to a place of today (here after clearing it) shows nothing new: it costs nothing.
  EXPECT_EQ(on(ada, "PATCH", "/api/v1/me", kLyon).status, 200) << "setting it again where it was today";
  EXPECT_EQ(on(bob, "PATCH", "/api/v1/me", kMarseille).status, 200) << "another user's budget is untouched";
  // Each edit others see drops their cached lists: an hour's budget of edits (the moves counted).
  auto edits = on(ada, "PATCH", "/api/v1/me", {{"bio", "the seventh edit"}});
  EXPECT_EQ(edits.status, 429) << edits.body;
  EXPECT_LE(std::stoi(edits.header("Retry-After")), 3600) << "an hour's budget";
  EXPECT_EQ(on(cid, "PATCH", "/api/v1/me", {{"bio", "mine"}}).status, 200) << "another user's budget is untouched";
  // The preferences share it: a privacy setting toggled drops the partners' cached lists too, and a
  // distance limit is a probe of where others are.
  auto prefs = on(ada, "PUT", "/api/v1/me/preferences", {{"privacy_settings", {{"show_age", false}}}});
  EXPECT_EQ(prefs.status, 429) << prefs.body;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(on(cid, "PUT", "/api/v1/me/preferences", {{"max_distance", 10 + i}}).status, 200) << i;
  EXPECT_EQ(on(cid, "PUT", "/api/v1/me/preferences", {{"max_distance", 99}}).status, 429)
      << "six in an hour, with his edit";
  EXPECT_EQ(on(cid, "PUT", "/api/v1/me/preferences", {{"notification_settings", {{"email", false}}}}).status, 200)
      << "his own notification settings are not budgeted";

  // Others' profiles: an hour's budget of opening them, found or not; one's own is not counted.
  const auto unknown = "/api/v1/users/00000000-0000-4000-8000-000000000000";
  EXPECT_NE(on(ada, "GET", bob_path).status, 429);
  EXPECT_EQ(on(ada, "GET", unknown).status, 404);
  EXPECT_NE(on(ada, "GET", "/api/v1/users/" + cid.user_id).status, 429);
  EXPECT_EQ(on(ada, "GET", "/api/v1/users/" + ada.user_id).status, 200) << "her own profile is free";
  auto views = on(ada, "GET", bob_path);
  EXPECT_EQ(views.status, 429) << "a fourth in an hour: " << views.body;
  EXPECT_LE(std::stoi(views.header("Retry-After")), 3600) << "an hour's budget";
  EXPECT_NE(on(cid, "GET", bob_path).status, 429) << "another user's budget is untouched";
}
