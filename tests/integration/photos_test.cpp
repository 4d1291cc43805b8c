// Profile photos over real HTTP: upload (raw and multipart), metadata stripped from the stored
// bytes, signed URLs, limits, reorder, delete, and who may see them.

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "support/accounts.hpp"
#include "support/fixtures.hpp"
#include "support/s3_server.hpp"

using namespace pm;
using test::TestServer;
using Json = nlohmann::json;

namespace {

test::HttpResult upload(TestServer& s, const test::TestUser& u, const std::string& bytes,
                        const std::string& type = "image/jpeg") {
  auto headers = u.auth();
  headers.emplace_back("Content-Type", type);
  return s.request("POST", "/api/v1/me/media", bytes, headers);
}

// GETs a signed URL the API handed out (a path on this server for the local backend).
test::HttpResult fetch(TestServer& s, const std::string& url) { return s.request("GET", url); }

}  // namespace

TEST(Photos, UploadStripsGpsAndServesSignedUrls) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  auto original = test::read_fixture("gps.jpg");
  // The fixture carries EXIF (with GPS coordinates, see tests/fixtures/make-fixtures.sh), XMP and IPTC.
  for (const char* trace : {"Exif", "TestPhone", "Alice Example", "http://ns.adobe.com/xap", "Photoshop"})
    ASSERT_NE(original.find(trace), std::string::npos) << trace;

  auto res = upload(server, ada, original);
  ASSERT_EQ(res.status, 201) << res.body;
  auto photo = res.json();
  EXPECT_EQ(photo["display_order"], 1);
  auto display = fetch(server, photo["url"]);
  ASSERT_EQ(display.status, 200) << display.body;
  EXPECT_EQ(display.header("Content-Type"), "image/jpeg");
  EXPECT_EQ(display.body.substr(0, 2), std::string("\xFF\xD8", 2)) << "a JPEG";
  for (const char* trace : {"Exif", "TestPhone", "Alice Example", "http://ns.adobe.com/xap", "Photoshop"})
    EXPECT_EQ(display.body.find(trace), std::string::npos) << trace << " survived in the stored display image";
  auto thumb = fetch(server, photo["thumbnail_url"]);
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.body.find("Exif"), std::string::npos);

  // The bytes at rest, read straight from the store's folder, are the clean ones too.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server.app().config.media_dir)) {
    if (!entry.is_regular_file()) continue;
    std::string stored = test::read_file(entry.path().string());
    EXPECT_EQ(stored.find("Exif"), std::string::npos) << entry.path();
    EXPECT_EQ(stored.find("TestPhone"), std::string::npos) << entry.path();
  }

  auto tampered = photo["url"].get<std::string>();
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(fetch(server, tampered).status, 403) << "a changed signature is refused";

  auto me = server.request("GET", "/api/v1/me", "", ada.auth()).json();
  ASSERT_EQ(me["photos"].size(), 1u);
  EXPECT_EQ(me["photos"][0]["media_id"], photo["media_id"]);
}

TEST(Photos, MultipartUploadsWorkAndBadImagesAre4xx) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email());
  auto jpeg = test::read_fixture("orientation6.jpg");
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\nContent-Type: "
      "image/jpeg\r\n\r\n" +
      jpeg + "\r\n--XyZ--\r\n";
  auto multi = upload(server, ada, body, "multipart/form-data; boundary=XyZ");
  ASSERT_EQ(multi.status, 201) << multi.body;
  EXPECT_EQ(multi.json()["width"].get<int>() < multi.json()["height"].get<int>(), true) << "EXIF orientation 6 applied";

  auto text = upload(server, ada, "this is not an image at all, just text");
  EXPECT_EQ(text.status, 415) << text.body;
  EXPECT_EQ(text.json()["type"], "/problems/unsupported-image-type");
  auto truncated = upload(server, ada, jpeg.substr(0, jpeg.size() / 2));
  EXPECT_EQ(truncated.status, 422);
  EXPECT_EQ(upload(server, ada, "--XyZ\r\nbroken", "multipart/form-data; boundary=XyZ").status, 400);
  EXPECT_EQ(upload(server, ada, "").status, 400);
  auto huge = upload(server, ada, std::string(11 << 20, '\xFF'));
  EXPECT_EQ(huge.status, 413) << "over the upload limit";
  const std::string detail = huge.json().value("detail", "");
  const auto digits = detail.find_first_of("0123456789");
  ASSERT_NE(digits, std::string::npos) << huge.body;
  EXPECT_GE(std::stoll(detail.substr(digits)), 10 << 20) << "names the photos' limit, not another route's: " << detail;
  EXPECT_EQ(server.request("POST", "/api/v1/me/media", jpeg, {{"Content-Type", "image/jpeg"}}).status, 401);
}

TEST(Photos, AtMostSixThenReorderAndDelete) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  auto jpeg = test::read_fixture("orientation6.jpg");
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto r = upload(server, ada, jpeg);
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(r.json()["media_id"]);
  }
  auto seventh = upload(server, ada, jpeg);
  EXPECT_EQ(seventh.status, 409);
  EXPECT_EQ(seventh.json()["type"], "/problems/photo-limit");

  std::vector<std::string> reversed(ids.rbegin(), ids.rend());
  auto order = server.request("PUT", "/api/v1/me/media/order", Json{{"media_ids", reversed}}.dump(), ada.auth());
  ASSERT_EQ(order.status, 200) << order.body;
  auto listed = order.json();
  EXPECT_EQ(listed["photos"][0]["media_id"], ids.back());
  EXPECT_EQ(listed["photos"][0]["display_order"], 1);
  std::vector<std::string> missing_one(ids.begin(), ids.end() - 1);
  EXPECT_EQ(server.request("PUT", "/api/v1/me/media/order", Json{{"media_ids", missing_one}}.dump(), ada.auth()).status,
            400);
  EXPECT_EQ(server.request("PUT", "/api/v1/me/media/order", Json{{"media_ids", "nope"}}.dump(), ada.auth()).status,
            400);

  auto doomed_url = listed["photos"][0]["url"].get<std::string>();
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/media/" + ids[0], "", bob.auth()).status, 404) << "not Bob's photo";
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/media/" + ids.back(), "", ada.auth()).status, 204);
  EXPECT_EQ(fetch(server, doomed_url).status, 404) << "the stored object went with the row";
  EXPECT_EQ(server.request("DELETE", "/api/v1/me/media/" + ids.back(), "", ada.auth()).status, 404);
  EXPECT_EQ(upload(server, ada, jpeg).status, 201) << "room for one again";
}

TEST(Photos, OthersSeePhotosOnlyOfVisibleProfilesAndDeletionRemovesThem) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  auto photo = upload(server, ada, test::read_fixture("orientation6.jpg")).json();
  EXPECT_EQ(server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth()).status, 404);
  server.request("PATCH", "/api/v1/me", Json{{"profile_visibility", "public"}}.dump(), ada.auth());
  auto seen = server.request("GET", "/api/v1/users/" + ada.user_id, "", bob.auth()).json();
  ASSERT_EQ(seen["photos"].size(), 1u);
  EXPECT_EQ(fetch(server, seen["photos"][0]["thumbnail_url"]).status, 200);

  EXPECT_EQ(server.request("DELETE", "/api/v1/me", "", ada.auth()).status, 204);
  EXPECT_EQ(fetch(server, photo["url"]).status, 404) << "account deletion removed the stored photos";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server.app().config.media_dir))
    files += entry.is_regular_file() &&
             entry.path().filename().string().find(photo["media_id"].get<std::string>()) != std::string::npos;
  EXPECT_EQ(files, 0u);
}

// An upload decodes for a while before its photo's row goes in. An account deleted meanwhile
// lost that photo's files for good: when the upload committed first, the deletion had already read
// the keys to remove (the row went by cascade, its files stayed); when the deletion committed
// first, the insert failed its foreign key (a 500) and its files stayed too.
TEST(Photos, AnAccountDeletedWhileAPhotoIsUploadedKeepsNoneOfItsFiles) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  const std::string media_dir = server.app().config.media_dir;
  auto files_of = [&](const std::string& user_id) {
    std::size_t n = 0;
    if (std::filesystem::exists(media_dir + "/users/" + user_id))
      for (const auto& entry : std::filesystem::recursive_directory_iterator(media_dir + "/users/" + user_id))
        n += entry.is_regular_file();
    return n;
  };
  {  // The upload's transaction holds the user's row, its photo in, when the deletion starts.
    auto ada = test::sign_up(server, test::unique_email("ada"));
    const std::string key = "users/" + ada.user_id + "/held-display.jpg";
    std::filesystem::create_directories(media_dir + "/users/" + ada.user_id);
    { std::ofstream(media_dir + "/" + key) << "jpeg bytes"; }
    // (Signed in and seen this minute: the deletion's request stamps no last_active, which would
    // wait for the row itself, before its transaction began.)
    ASSERT_EQ(server.request("GET", "/api/v1/me", "", ada.auth()).status, 200);
    auto conn = db.connect();
    pqxx::work upload(conn);
    upload.exec_params("SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE", ada.user_id);
    upload.exec_params0(
        "INSERT INTO profile_media (media_id, user_id, media_type, url, thumbnail_url, width, height, display_order) "
        "VALUES (gen_random_uuid(), $1, 'image/jpeg', $2, $2, 10, 10, 1)",
        ada.user_id, key);
    auto deleted =
        std::async(std::launch::async, [&] { return server.request("DELETE", "/api/v1/me", "", ada.auth()); });
    for (int i = 0; i < 250 && !db.statement_waits_for_a_lock("%"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    upload.commit();
    ASSERT_EQ(deleted.get().status, 204);
    EXPECT_EQ(files_of(ada.user_id), 0u) << "the photo committed during the deletion kept its files";
  }
  {  // The deletion commits while the photo is decoded.
    auto bea = test::sign_up(server, test::unique_email("bea"));
    ASSERT_EQ(server.request("DELETE", "/api/v1/me", "", bea.auth()).status, 204);
    Result<profiles::Photo> late = std::unexpected(Problem("internal", "not run"));
    EXPECT_NO_THROW(late = server.app().photos.upload(bea.id(), test::read_fixture("gps.jpg")));
    ASSERT_FALSE(late.has_value());
    EXPECT_EQ(late.error().type, "not-found");
    EXPECT_EQ(files_of(bea.user_id), 0u) << "the late upload's files stayed";
  }
}

// Each upload is a decode: a user has PM_UPLOAD_LIMIT_PER_HOUR of them (profile photos and chat
// images together), whatever they delete in between.
TEST(Photos, UploadsHaveAnHourlyBudgetPerUser) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.upload_limit_per_hour = 2;
  TestServer server(config);
  auto ada = test::sign_up(server, test::unique_email("ada"));
  auto bob = test::sign_up(server, test::unique_email("bob"), "Bob", "man");
  const auto jpeg = test::read_fixture("orientation6.jpg");
  auto first = upload(server, ada, jpeg);
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(server.request("DELETE", "/api/v1/me/media/" + first.json()["media_id"].get<std::string>(), "", ada.auth())
                .status,
            204);
  EXPECT_EQ(upload(server, ada, jpeg).status, 201);
  auto third = upload(server, ada, jpeg);
  EXPECT_EQ(third.status, 429) << "deleting did not give the budget back: " << third.body;
  EXPECT_EQ(third.json()["type"], "/problems/rate-limited");
  EXPECT_EQ(upload(server, bob, jpeg).status, 201) << "the budget is per user";
}

// A deletion while the object store is down still deletes the account at once, and its photos go
// from the store once it is back (the worker's queued removal). Before, the removal right after
// the commit was the only one: it logged the failure, and with the rows that named the keys gone,
// the photos of a deleted person stayed in the bucket for good.
TEST(Photos, PhotosTheStoreCouldNotRemoveAtDeletionGoOnceItIsBack) {
  test::TestDatabase db;
  test::S3Server s3;
  auto config = test::test_config(db);
  s3.configure(config);
  TestServer server(config);
  auto& app = server.app();
  auto ada = test::sign_up(server, test::unique_email("ada"));
  ASSERT_EQ(upload(server, ada, test::read_fixture("orientation6.jpg")).status, 201) << s3.log();
  std::vector<std::string> keys;
  {
    auto conn = db.connect();
    pqxx::nontransaction q(conn);
    for (const auto& row :
         q.exec_params("SELECT url, thumbnail_url FROM profile_media WHERE user_id = $1", ada.user_id))
      for (const auto& field : row) keys.push_back(field.as<std::string>());
  }
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& key : keys) ASSERT_TRUE(app.media_store->get(key).has_value()) << key;

  s3.stop();
  EXPECT_EQ(server.request("DELETE", "/api/v1/me", "", ada.auth()).status, 204) << "the store's outage is not hers";
  s3.start();
  for (const auto& key : keys) EXPECT_TRUE(app.media_store->get(key).has_value()) << "the outage kept " << key;
  auto ran = app.photos.remove_queued(50);
  ASSERT_TRUE(ran.has_value()) << ran.error().detail;
  EXPECT_EQ(*ran, 1);
  for (const auto& key : keys) EXPECT_FALSE(app.media_store->get(key).has_value()) << key << " is still stored";
}
