// The default notification sender: one JSON file per outbox id, written atomically, never a
// second copy or a changed one when the same id is sent again.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "notifications/notification_sender.hpp"
#include "support/temp_dir.hpp"

using namespace pm;
using namespace pm::notifications;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(JsonFileSender, WritesOneFileNamedByTheOutboxId) {
  test::TempDir dir("pm-notif");  // not created yet: the sender makes it
  JsonFileSender sender(dir.path.string());
  const Outgoing out{.outbox_id = crypto::uuid_v4(),
                     .channel = Channel::email,
                     .user_id = UserId(crypto::uuid_v4()),
                     .payload = {{"notification_id", "n1"}, {"type", "match.new"}}};
  ASSERT_TRUE(sender.send(out).has_value());
  EXPECT_EQ(dir.names(), std::vector<std::string>{out.outbox_id + ".json"});
  auto doc = Json::parse(read_text(dir.path / (out.outbox_id + ".json")));
  EXPECT_EQ(doc["outbox_id"], out.outbox_id);
  EXPECT_EQ(doc["channel"], "email");
  EXPECT_EQ(doc["user_id"], out.user_id);
  EXPECT_EQ(doc["notification"]["type"], "match.new");
}

TEST(JsonFileSender, SendingAnIdAgainLeavesTheOneCopyAsItWas) {
  test::TempDir dir("pm-notif");
  JsonFileSender sender(dir.path.string());
  Outgoing out{.outbox_id = crypto::uuid_v4(),
               .channel = Channel::push,
               .user_id = UserId(crypto::uuid_v4()),
               .payload = {{"v", 1}}};
  ASSERT_TRUE(sender.send(out).has_value());
  const auto first = read_text(dir.path / (out.outbox_id + ".json"));
  out.payload = {{"v", 2}};
  ASSERT_TRUE(sender.send(out).has_value());
  EXPECT_EQ(dir.names().size(), 1u);
  EXPECT_EQ(read_text(dir.path / (out.outbox_id + ".json")), first);
}

TEST(JsonFileSender, RacingSendsOfOneIdLeaveOneWholeFileAndNoTemporaries) {
  test::TempDir dir("pm-notif");
  JsonFileSender sender(dir.path.string());
  const Outgoing out{.outbox_id = crypto::uuid_v4(),
                     .channel = Channel::push,
                     .user_id = UserId(crypto::uuid_v4()),
                     .payload = {{"text", std::string(64 * 1024, 'x')}}};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { EXPECT_TRUE(sender.send(out).has_value()); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(dir.names(), std::vector<std::string>{out.outbox_id + ".json"});
  EXPECT_EQ(
      Json::parse(read_text(dir.path / (out.outbox_id + ".json")))["notification"]["text"].get<std::string>().size(),
      64u * 1024);
}

TEST(JsonFileSender, RefusesAnIdThatIsNotAUuid) {
  test::TempDir dir("pm-notif");
  JsonFileSender sender(dir.path.string());
  auto r = sender.send(
      {.outbox_id = "../escape", .channel = Channel::push, .user_id = UserId("u"), .payload = Json::object()});
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(fs::exists(dir.path.parent_path() / "escape.json"));
}

TEST(JsonFileSender, AnUnwritableFolderIsAFailureToRetry) {
  test::TempDir dir("pm-notif");
  fs::create_directories(dir.path);
  std::ofstream(dir.path / "file") << "x";
  JsonFileSender sender((dir.path / "file").string());  // a file where the folder should be
  auto r = sender.send(
      {.outbox_id = crypto::uuid_v4(), .channel = Channel::push, .user_id = UserId("u"), .payload = Json::object()});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 503);
}
