// The Messaging Service over real HTTP: only an active match's two users talk; idempotent sends;
// one order per conversation; history both ways; receipts; reactions; soft delete; image messages
// through the media store; the conversation list with its cached preview; blocks and unmatching
// close it; the worker deletes messages past retention.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/actor.hpp"
#include "db/transaction.hpp"
#include "messaging/personal_data.hpp"
#include "messaging/repository.hpp"
#include "messaging/service.hpp"
#include "notifications/personal_data.hpp"
#include "support/eventually.hpp"
#include "support/fixtures.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

// Another writer's transaction (the notifications' drain, a like), held open in a thread of its
// own, as the system:
// `first` runs at once (the constructor returns after it), `then` after let_go(), and it commits.
// finish() (or the destructor) lets go and waits for it; it is true when the transaction committed.
class HeldTransaction {
 public:
  using Step = std::function<void(pqxx::work&)>;
  HeldTransaction(db::Pool& pool, Step first, Step then = {}) {
    thread_ = std::thread([&pool, first = std::move(first), then = std::move(then), this] {
      actor::Scope as_system(actor::Scope::system());
      try {
        auto done = db::transact(pool, [&](pqxx::work& tx) -> Result<bool> {
          first(tx);
          started();
          release_.get_future().wait();
          if (then) then(tx);
          return true;
        });
        committed_ = done.has_value();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "the held transaction failed: " << e.what();
      }
      started();  // (when it failed before)
    });
    started_.get_future().wait();
  }
  ~HeldTransaction() { (void)finish(); }
  HeldTransaction(const HeldTransaction&) = delete;
  HeldTransaction& operator=(const HeldTransaction&) = delete;

  void let_go() {
    std::call_once(once_, [this] { release_.set_value(); });
  }
  bool finish() {
    let_go();
    if (thread_.joinable()) thread_.join();
    return committed_;
  }

 private:
  void started() {
    if (!started_set_) started_.set_value();
    started_set_ = true;
  }

  std::promise<void> started_, release_;
  bool started_set_ = false;  // (the thread's alone)
  std::once_flag once_;
  bool committed_ = false;
  std::thread thread_;
};

class Messaging : public test::AnaAndBen {
 protected:
  // Two matched people who both liked: an active match with an open conversation.
  void SetUp() override {
    AnaAndBen::SetUp();
    conversation_ = both_like();
    ASSERT_FALSE(conversation_.empty());
  }
  test::HttpResult send(const Person& p, const Json& body, const std::string& conversation = "") {
    return server_->request(
        "POST", "/api/v1/conversations/" + (conversation.empty() ? conversation_ : conversation) + "/messages",
        body.dump(), p.user.auth());
  }
  // POST .../media: the fixture photo, uploaded by `p` into the conversation.
  test::HttpResult upload_photo(const Person& p) {
    return server_->request("POST", "/api/v1/conversations/" + conversation_ + "/media", test::read_fixture("gps.jpg"),
                            {{"Authorization", "Bearer " + p.user.token}, {"Content-Type", "image/jpeg"}});
  }
  test::HttpResult say(const Person& p, const std::string& text, const std::string& client_id) {
    return send(p, {{"client_message_id", client_id}, {"content", text}});
  }
  Json history(const Person& p, const std::string& query = "") {
    auto res = get(p, "/api/v1/conversations/" + conversation_ + "/messages" + query);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.json();
  }

  // Ben deletes his account while another writer holds its transaction's first locks (`first`);
  // let go, it writes Ben a notification (`then`: its key locks his users row) and commits. The
  // deletion waits for it, then goes: a 204 (not a deadlock's 500), and the notification goes too.
  void expect_deletion_waits_for(HeldTransaction::Step first, HeldTransaction::Step then) {
    HeldTransaction other(server_->app().db, std::move(first), std::move(then));
    auto deleted =
        std::async(std::launch::async, [&] { return server_->request("DELETE", "/api/v1/me", "", ben_.user.auth()); });
    // The deletion, held up by the other's lock.
    EXPECT_TRUE(test::eventually([&] { return db_.statement_waits_for_a_lock("%"); }, std::chrono::seconds(6),
                                 std::chrono::milliseconds(20)))
        << "the deletion did not wait for the other writer";
    EXPECT_TRUE(other.finish()) << "the other writer wrote Ben's notification and committed";
    auto res = deleted.get();
    EXPECT_EQ(res.status, 204) << res.body;
    EXPECT_EQ(count("SELECT count(*) FROM users WHERE user_id = $1", ben_.user.user_id), 0);
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE user_id = $1", ben_.user.user_id), 0)
        << "the notification went with the account";
  }
  Json bens_notification() const { return {{"preview", "hi"}}; }

  std::string conversation_;
};

}  // namespace

TEST_F(Messaging, OnlyTheTwoUsersOfAnActiveMatchTalk) {
  auto sent = say(ana_, "Hi Ben!", "c-1");
  ASSERT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(sent.json()["content"], "Hi Ben!");
  EXPECT_EQ(sent.json()["recipient_id"], ben_.user.user_id);
  EXPECT_EQ(sent.json()["seq"], 1);

  Person eve = person("Eve", "woman", "man", 52.50, 13.41);
  EXPECT_EQ(say(eve, "let me in", "e-1").status, 404);
  EXPECT_EQ(get(eve, "/api/v1/conversations/" + conversation_ + "/messages").status, 404);
  EXPECT_EQ(get(eve, "/api/v1/conversations").json()["conversations"].size(), 0u);
  EXPECT_EQ(server_->request("GET", "/api/v1/conversations").status, 401);

  // A pending match has no conversation to talk in yet.
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  std::string pending = match_between(ana_, carl);
  EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE match_id = $1", pending), 0);
}

TEST_F(Messaging, ARetryWithTheSameClientIdReturnsTheOriginal) {
  auto first = say(ana_, "Once", "same-id");
  ASSERT_EQ(first.status, 201);
  auto retry = say(ana_, "Once", "same-id");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json()["message_id"], first.json()["message_id"]);
  // Sent at once from several connections: still one message.
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (say(ana_, "Racing", "race-id").status == 201) ++created;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1", conversation_), 2);
  // The same client id from the other user is their own message.
  EXPECT_EQ(say(ben_, "Mine", "same-id").status, 201);
}

// A suspension or ban ends the account's sessions; a request already past its session check (or
// made while Redis could not end them, until the worker does) met nothing else before. Here the
// restriction is written without ending the session, as such a request finds it.
TEST_F(Messaging, ASuspendedOrBannedAccountSendsNothingEvenWithASessionLeft) {
  ASSERT_EQ(say(ana_, "Before", "s-1").status, 201);
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  q.exec_params0("UPDATE users SET suspended_until = now() + interval '1 day' WHERE user_id = $1", ana_.user.user_id);
  auto refused = say(ana_, "After", "s-2");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json().value("type", ""), "/problems/account-suspended") << refused.body;
  EXPECT_EQ(upload_photo(ana_).status, 403);
  q.exec_params0("UPDATE users SET suspended_until = NULL, banned_at = now() WHERE user_id = $1", ana_.user.user_id);
  EXPECT_EQ(say(ana_, "After", "s-3").status, 403);
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1", conversation_), 1) << "nothing stored";
  // Once the restriction is lifted, the same session sends again.
  q.exec_params0("UPDATE users SET banned_at = NULL WHERE user_id = $1", ana_.user.user_id);
  EXPECT_EQ(say(ana_, "Back", "s-4").status, 201);
}

// Publishing comes after the batch's commit: when it throws, the stored message is still acked
// (201, once), not answered with an error that would make the client send it again as a retry.
TEST_F(Messaging, AMessageStoredIsAckedEvenWhenPublishingItFails) {
  server_->app().messaging.set_event_sink(
      [](const std::vector<messaging::Event>&) { throw std::runtime_error("the hub is gone"); });
  auto sent = say(ana_, "Stored anyway", "c-publish");
  EXPECT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1", conversation_), 1);
  auto history = get(ben_, "/api/v1/conversations/" + conversation_ + "/messages");
  ASSERT_EQ(history.status, 200);
  ASSERT_EQ(history.json()["messages"].size(), 1u);
  EXPECT_EQ(history.json()["messages"][0]["content"], "Stored anyway");
}

TEST_F(Messaging, TheAppVersionKeptWithAMessageIsAVersionOrNothing) {
  auto with_version = [&](const std::string& version, const std::string& client_id) {
    return server_->request("POST", "/api/v1/conversations/" + conversation_ + "/messages",
                            Json{{"client_message_id", client_id}, {"content", "hi"}}.dump(),
                            {ana_.user.auth()[0], {"X-App-Version", version}});
  };
  ASSERT_EQ(with_version("1.4.2+build-7", "v1").status, 201);
  ASSERT_EQ(with_version(std::string(5000, '9'), "v2").status, 201) << "a message is not lost for its header";
  ASSERT_EQ(with_version("1.0<script>", "v3").status, 201);
  auto stored = [&](const std::string& version) {
    return count("SELECT count(*) FROM message_documents WHERE conversation_id = $1 AND metadata->>'appVersion' = '" +
                     version + "'",
                 conversation_);
  };
  EXPECT_EQ(stored("1.4.2+build-7"), 1);
  EXPECT_EQ(stored(""), 2) << "an overlong or odd header is not stored";
}

TEST_F(Messaging, EveryClientSeesOneOrderAndPagesBothWays) {
  std::vector<std::thread> threads;
  for (const Person* p : {&ana_, &ben_})
    threads.emplace_back([this, p] {
      for (int i = 0; i < 10; ++i)
        EXPECT_EQ(say(*p, p->name + " " + std::to_string(i), p->name + std::to_string(i)).status, 201);
    });
  for (auto& t : threads) t.join();
  auto latest = history(ben_, "?limit=5");
  // The page names the match and the other person (the chat's header and its safety actions).
  EXPECT_EQ(latest["match_id"], match_);
  EXPECT_EQ(latest["user"]["user_id"], ana_.user.user_id);
  EXPECT_EQ(latest["user"]["first_name"], "Ana");
  EXPECT_EQ(history(ana_)["user"]["first_name"], "Ben");
  ASSERT_EQ(latest["messages"].size(), 5u);
  EXPECT_EQ(latest["messages"][0]["seq"], 16);
  EXPECT_EQ(latest["messages"][4]["seq"], 20);
  EXPECT_EQ(latest["has_more"], true);
  auto older = history(ben_, "?before=16&limit=100");
  EXPECT_EQ(older["messages"].size(), 15u);
  EXPECT_EQ(older["has_more"], false);
  auto resumed = history(ana_, "?after=18");
  ASSERT_EQ(resumed["messages"].size(), 2u);
  EXPECT_EQ(resumed["messages"][0]["seq"], 19);
  // Both see the same order, numbers 1..20 with no gap.
  auto all = history(ana_, "?after=0&limit=100")["messages"];
  ASSERT_EQ(all.size(), 20u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["seq"], static_cast<int>(i + 1));
  EXPECT_EQ(get(ana_, "/api/v1/conversations/" + conversation_ + "/messages?after=1&before=3").status, 400);
  EXPECT_EQ(get(ana_, "/api/v1/conversations/" + conversation_ + "/messages?limit=0").status, 400);
}

TEST_F(Messaging, ReadReceiptsUnreadCountsAndTheCachedPreview) {
  ASSERT_EQ(say(ana_, "one", "1").status, 201);
  ASSERT_EQ(say(ana_, "two", "2").status, 201);
  auto list = get(ben_, "/api/v1/conversations").json()["conversations"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["unread_count"], 2);
  EXPECT_EQ(list[0]["last_message"]["text"], "two");
  EXPECT_EQ(list[0]["user"]["first_name"], "Ana");
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto cached = redis.command({"GET", "conversation:preview:" + conversation_});
  ASSERT_TRUE(cached);
  EXPECT_EQ(Json::parse(cached->str())["text"], "two");
  ASSERT_EQ(say(ana_, "three", "3").status, 201);
  EXPECT_EQ(get(ben_, "/api/v1/conversations").json()["conversations"][0]["last_message"]["text"], "three")
      << "a preview of an earlier message is not the last message's";
  EXPECT_EQ(Json::parse(redis.command({"GET", "conversation:preview:" + conversation_})->str())["text"], "three")
      << "and the list cached the new one";

  // The recipient has one unread notification for the conversation, counting its messages.
  // (The match itself also left him a match.new notification.) They are recorded a moment after
  // the messages, off the send path: waited for here.
  server_->app().messaging.flush_notifications();
  Json notes = Json::array();
  auto listed = get(ben_, "/api/v1/notifications?unread=true");
  const Json all_notes = listed.json();
  for (const auto& note : all_notes["notifications"])
    if (note["type"] == "message.new") notes.push_back(note);
  ASSERT_EQ(notes.size(), 1u) << listed.body;
  EXPECT_EQ(notes[0]["content"]["count"], 3);
  EXPECT_EQ(notes[0]["content"]["preview"], "three");

  auto read = post(ben_, "/api/v1/conversations/" + conversation_ + "/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["read_up_to"], 3);
  EXPECT_EQ(get(ben_, "/api/v1/conversations").json()["conversations"][0]["unread_count"], 0);
  EXPECT_FALSE(history(ana_)["messages"][0]["read_at"].is_null()) << "the sender sees it was read";
  EXPECT_EQ(get(ana_, "/api/v1/conversations").json()["conversations"][0]["unread_count"], 0)
      << "her own messages are not unread";
}

TEST_F(Messaging, ReactionsAreOneOfEachEmojiPerUser) {
  auto sent = say(ana_, "Sourdough tonight?", "q");
  const std::string id = sent.json()["message_id"];
  auto react = [&](const Person& p, const Json& body) {
    return server_->request("POST", "/api/v1/messages/" + id + "/reactions", body.dump(), p.user.auth());
  };
  ASSERT_EQ(react(ben_, {{"emoji", "\u2764\ufe0f"}}).status, 200);
  ASSERT_EQ(react(ben_, {{"emoji", "\u2764\ufe0f"}}).status, 200);
  auto both = react(ana_, {{"emoji", "\U0001F35E"}});
  EXPECT_EQ(both.json()["reactions"].size(), 2u);
  auto removed = react(ben_, {{"emoji", "\u2764\ufe0f"}, {"action", "remove"}});
  EXPECT_EQ(removed.json()["reactions"].size(), 1u);
  EXPECT_EQ(react(ben_, {{"emoji", "lol"}}).status, 400);
  EXPECT_EQ(react(ben_, {{"emoji", "\u2764\ufe0f"}, {"action", "toggle"}}).status, 400);
  Person eve = person("Eve", "woman", "man", 52.50, 13.41);
  EXPECT_EQ(react(eve, {{"emoji", "\u2764\ufe0f"}}).status, 404);
  // A reaction message is a message of its own.
  EXPECT_EQ(send(ben_, {{"client_message_id", "r"}, {"message_type", "reaction"}, {"content", "\U0001F60D"}}).status,
            201);
  EXPECT_EQ(send(ben_, {{"client_message_id", "r2"}, {"message_type", "reaction"}, {"content", "not an emoji"}}).status,
            400);
}

// Reactions were any non-ASCII text of up to 16 bytes ("ПРИВЕТ" passed) and a user could add as many
// different ones to a message as their budget allowed, each rewriting the growing list pushed to
// the other. Now emoji only, and at most eight of a user's on one message.
TEST_F(Messaging, AReactionIsAnEmojiAndAUserHasAtMostEightOnAMessage) {
  const std::string id = say(ana_, "React!", "e").json()["message_id"];
  auto react = [&](const std::string& emoji, const std::string& action = "add") {
    return server_->request("POST", "/api/v1/messages/" + id + "/reactions",
                            Json{{"emoji", emoji}, {"action", action}}.dump(), ben_.user.auth());
  };
  for (const std::string word : {"\u041f\u0420\u0418\u0412\u0415\u0422", "\u4f60\u597d", "12", "#"})
    EXPECT_EQ(react(word).status, 400) << word;
  EXPECT_EQ(react("1\ufe0f\u20e3").status, 200) << "a keycap";
  EXPECT_EQ(react("\U0001F44D\U0001F3FD").status, 200) << "with a skin tone";
  EXPECT_EQ(react("\U0001F1E9\U0001F1EA").status, 200) << "a flag";
  for (char32_t c = 0x1F600; c < 0x1F605; ++c) {
    std::string emoji = {char(0xF0), char(0x9F), char(0x98), char(0x80 + (c - 0x1F600))};
    ASSERT_EQ(react(emoji).status, 200) << int(c);
  }
  auto ninth = react("\U0001F60E");
  EXPECT_EQ(ninth.status, 400) << ninth.body;
  EXPECT_NE(ninth.body.find("at most 8"), std::string::npos) << ninth.body;
  EXPECT_EQ(react("1\ufe0f\u20e3", "remove").status, 200);
  EXPECT_EQ(react("\U0001F60E").status, 200) << "one taken back, another may come";
}

TEST_F(Messaging, OnlyTheSenderDeletesAndTheMessageKeepsItsPlace) {
  auto sent = say(ana_, "Oops, wrong chat", "oops");
  const std::string id = sent.json()["message_id"];
  EXPECT_EQ(server_->request("DELETE", "/api/v1/messages/" + id, "", ben_.user.auth()).status, 404);
  auto deleted = server_->request("DELETE", "/api/v1/messages/" + id, "", ana_.user.auth());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  auto seen = history(ben_)["messages"][0];
  EXPECT_EQ(seen["deleted"], true);
  EXPECT_TRUE(seen["content"].is_null());
  EXPECT_EQ(seen["seq"], 1);
  EXPECT_EQ(
      count("SELECT count(*) FROM message_documents WHERE message_id = $1 AND (metadata->>'isDeleted')::boolean", id),
      1);
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE message_id = $1 AND content IS NULL", id), 1)
      << "the text is erased, not only hidden";
}

// Two deletions at the same moment (two taps, two devices): the second waits for the first's row,
// then finds the message deleted and tells no one (before, both told the other's devices, and both
// removed the image).
TEST_F(Messaging, ADeletionThatMeetsAnotherTellsTheOtherNothing) {
  auto sent = say(ana_, "two taps on delete", "twice");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const std::string id = sent.json()["message_id"];
  std::atomic<int> told{0};
  server_->app().messaging.set_event_sink([&](const std::vector<messaging::Event>& batch) {
    for (const auto& e : batch) told += e.event.value("type", "") == "message.deleted";
  });
  // The first deletion, in progress: its row updated, not yet committed.
  HeldTransaction first(server_->app().db,
                        [&](pqxx::work& tx) { EXPECT_TRUE(messaging::repository::mark_deleted(tx, MessageId(id))); });
  auto second = std::async(std::launch::async,
                           [&] { return server_->request("DELETE", "/api/v1/messages/" + id, "", ana_.user.auth()); });
  EXPECT_TRUE(test::eventually([&] { return db_.statement_waits_for_a_lock("%isDeleted%"); }, std::chrono::seconds(6),
                               std::chrono::milliseconds(20)))
      << "the second deletion did not wait for the first";
  EXPECT_TRUE(first.finish());
  auto res = second.get();
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json()["deleted"], true);
  EXPECT_TRUE(res.json()["content"].is_null());
  EXPECT_EQ(told.load(), 0) << "the deletion that found it done told the other's devices again";
}

TEST_F(Messaging, ADeletedImageMessageLosesItsImage) {
  auto upload = upload_photo(ana_);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string key = upload.json()["media_key"];
  auto sent = send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}});
  ASSERT_EQ(sent.status, 201) << sent.body;
  const std::string id = sent.json()["message_id"];
  ASSERT_EQ(server_->request("DELETE", "/api/v1/messages/" + id, "", ana_.user.auth()).status, 200);
  EXPECT_FALSE(server_->app().media_store->exists(key).value_or(true)) << "the image is gone from storage";
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE message_id = $1 AND media_url IS NULL", id), 1);
  EXPECT_TRUE(history(ben_)["messages"][0]["media_url"].is_null());
  // Had the store refused that removal (an outage: here the object is put back), the worker's queued
  // removal takes it: before, the refusal was only logged and the private image stayed for good.
  ASSERT_TRUE(server_->app().media_store->put(key, "an image the store kept", "image/jpeg"));
  ASSERT_TRUE(server_->app().photos.remove_queued(50));
  EXPECT_FALSE(server_->app().media_store->exists(key).value_or(true)) << "the queued removal did not take it";
}

// The export named each image sent only by its key in the store, which its owner cannot open: it
// now links to the image itself, as the chat shows it.
TEST_F(Messaging, TheExportLinksToEachImageSent) {
  auto upload = upload_photo(ana_);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string key = upload.json()["media_key"];
  ASSERT_EQ(send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}}).status, 201);
  ASSERT_EQ(say(ana_, "and words", "w1").status, 201);
  const Json sent = get(ana_, "/api/v1/me/export").json()["messages_sent"];
  ASSERT_EQ(sent.size(), 2u) << sent.dump();
  int linked = 0;
  for (const auto& m : sent) {
    if (!m.contains("image_url")) continue;
    ++linked;
    auto image = server_->request("GET", m["image_url"].get<std::string>());
    EXPECT_EQ(image.status, 200) << m.dump();
    EXPECT_EQ(image.body, server_->app().media_store->get(key).value_or("")) << "the link is not to the image sent";
    EXPECT_TRUE(m["image_url_expires_at"].is_string());
  }
  EXPECT_EQ(linked, 1) << "one image among the messages: " << sent.dump();
}

TEST_F(Messaging, ImageMessagesUseAStrippedUploadOfThisConversation) {
  auto upload = upload_photo(ana_);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string key = upload.json()["media_key"];
  auto stored = server_->app().media_store->get(key);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->find("Exif"), std::string::npos) << "no metadata survives";
  auto sent = send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}});
  ASSERT_EQ(sent.status, 201) << sent.body;
  EXPECT_NE(sent.json()["media_url"].get<std::string>().find("sig="), std::string::npos);
  auto retried = send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}});
  EXPECT_EQ(retried.status, 200) << "a retry of the same message is answered as before: " << retried.body;
  // One upload, one message: a second message naming it would lose its picture when the first is deleted.
  auto twice = send(ana_, {{"client_message_id", "pic-again"}, {"message_type", "image"}, {"media_key", key}});
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(
      send(ana_, {{"client_message_id", "pic2"}, {"message_type", "image"}, {"media_key", "users/x/y.jpg"}}).status,
      400);
  EXPECT_EQ(server_->request("POST", "/api/v1/conversations/" + conversation_ + "/media", "not an image",
                             {{"Authorization", "Bearer " + ana_.user.token}, {"Content-Type", "image/jpeg"}})
                    .status /
                100,
            4);
}

// The conversation goes (an account's deletion) while a chat photo is decoded and stored: its
// record failed its foreign key (a 500) and the image stayed in storage for good. It now waits for
// the conversation's lock, finds it gone, answers 404 and removes the image.
TEST_F(Messaging, AChatPhotoStoredWhileItsConversationGoesKeepsNoneOfIt) {
  const std::string dir = server_->app().config.media_dir + "/conversations/" + conversation_;
  auto images = [&] {
    std::size_t n = 0;
    if (std::filesystem::exists(dir))
      for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
    return n;
  };
  auto conn = db_.connect();
  pqxx::work deletion(conn);  // as an account's deletion holds it
  deletion.exec_params("SELECT 1 FROM conversations WHERE conversation_id = $1 FOR UPDATE", conversation_);
  auto upload = std::async(std::launch::async, [&] { return upload_photo(ana_); });
  EXPECT_TRUE(test::eventually([&] { return db_.statement_waits_for_a_lock("%"); }, std::chrono::seconds(20)))
      << "the upload's record did not wait for the conversation";
  deletion.exec_params0("DELETE FROM conversations WHERE conversation_id = $1", conversation_);
  deletion.commit();
  auto res = upload.get();
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_EQ(images(), 0u) << "the image outlived its conversation";
}

TEST_F(Messaging, ABlockClosesTheConversationAndTheBlockerKeepsTheHistory) {
  ASSERT_EQ(say(ben_, "Hello", "h").status, 201);
  ASSERT_EQ(post(ana_, "/api/v1/users/" + ben_.user.user_id + "/block").status / 100, 2);
  auto refused = say(ana_, "bye", "b");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.json()["type"], "/problems/conversation-closed");
  EXPECT_EQ(say(ben_, "why?", "w").status, 404) << "the blocked one loses the conversation";
  EXPECT_EQ(get(ben_, "/api/v1/conversations").json()["conversations"].size(), 0u);
  auto kept = history(ana_);
  EXPECT_EQ(kept["messages"].size(), 1u);
  EXPECT_EQ(kept["closed"], true);
}

TEST_F(Messaging, BadInputIsA400NamingTheField) {
  auto long_text = say(ana_, std::string(5000, 'a'), "long");
  EXPECT_EQ(long_text.status, 400);
  EXPECT_NE(long_text.body.find("content"), std::string::npos);
  EXPECT_EQ(send(ana_, {{"content", "no client id"}}).status, 400);
  EXPECT_EQ(send(ana_, {{"client_message_id", "x"}, {"content", "hi"}, {"extra", 1}}).status, 400);
  EXPECT_EQ(send(ana_, {{"client_message_id", "x"}, {"message_type", "video"}, {"content", "hi"}}).status, 400);
  EXPECT_EQ(say(ana_, "hi", "x").status, 201);
  EXPECT_EQ(send(ana_, {{"client_message_id", "y"}, {"content", "hi"}}, "not-a-uuid").status, 404);
}

TEST_F(Messaging, TheWorkerDeletesMessagesPastRetentionWithTheirPhotos) {
  ASSERT_EQ(say(ana_, "old", "o").status, 201);
  auto upload = upload_photo(ana_);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string key = upload.json()["media_key"];
  ASSERT_EQ(send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}}).status, 201);
  ASSERT_EQ(say(ana_, "new", "n").status, 201);
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params("UPDATE messages SET sent_at = now() - interval '40 days' WHERE conversation_id = $1 AND seq <= 2",
                   conversation_);
    tx.commit();
  }
  auto run = test::run_command(test::process_env(config_) + "PM_MESSAGE_RETENTION_DAYS=30 timeout 60 " +
                               test::binary_path() + " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto left = history(ana_)["messages"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["content"], "new");
  EXPECT_FALSE(server_->app().media_store->exists(key).value_or(true)) << "the photo went with its message";
}

// Months wholly past retention go whole (migrations/0021): a photo message of six months ago
// leaves with its month's partitions of messages and message_documents, its photo leaves storage,
// and this month's messages stay.
TEST_F(Messaging, TheWorkerDropsWholeMonthsPastRetentionWithTheirPhotos) {
  auto upload = upload_photo(ana_);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string key = upload.json()["media_key"];
  ASSERT_EQ(send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", key}}).status, 201);
  ASSERT_EQ(say(ana_, "new", "n").status, 201);
  std::string months[2];
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec(
        "SELECT pm_create_month_partition('messages', now() - interval '6 months'), "
        "pm_create_month_partition('message_documents', now() - interval '6 months')");
    // Its document follows (the key cascades), into the same month's partition.
    tx.exec_params("UPDATE messages SET sent_at = now() - interval '6 months' WHERE conversation_id = $1 AND seq = 1",
                   conversation_);
    int i = 0;
    for (const char* table : {"messages", "message_documents"})
      months[i++] = tx.exec1(std::string("SELECT '") + table +
                             "_' || to_char((now() - interval '6 months') AT TIME ZONE 'UTC', '\"y\"YYYY\"m\"MM')")[0]
                        .as<std::string>();
    tx.commit();
  }
  for (const auto& month : months)
    ASSERT_EQ(count("SELECT count(*) FROM " + month + " WHERE conversation_id = $1", conversation_), 1) << month;

  auto run =
      test::run_command(test::process_env(config_) + "PM_MESSAGE_RETENTION_DAYS=30 PM_LOG_LEVEL=info timeout 60 " +
                        test::binary_path() + " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& month : months)
    EXPECT_EQ(count("SELECT count(*) FROM pg_class WHERE relname = $1", month), 0) << month << " is dropped whole";
  // Counted as it went (before the month's tables were locked, migrations/0054).
  const auto logged = run.output.find(R"("messages_retention_deleted")");
  ASSERT_NE(logged, std::string::npos) << run.output;
  const auto start = run.output.rfind('\n', logged) + 1;  // (npos + 1: the first line)
  const auto line = run.output.substr(start, run.output.find('\n', logged) - start);
  EXPECT_NE(line.find(R"("count":1)"), std::string::npos) << line;
  auto left = history(ana_)["messages"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["content"], "new");
  EXPECT_FALSE(server_->app().media_store->exists(key).value_or(true)) << "the photo went with its month";
}

TEST_F(Messaging, UnmatchingClosesTheConversationForBothAndKeepsTheHistory) {
  ASSERT_EQ(say(ana_, "see you", "s").status, 201);
  Person eve = person("Eve", "woman", "man", 52.50, 13.41);
  EXPECT_EQ(post(eve, "/api/v1/matches/" + match_ + "/unmatch").status, 404) << "only the two may end it";

  auto ended = post(ben_, "/api/v1/matches/" + match_ + "/unmatch");
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(ended.json()["status"], "rejected");
  EXPECT_EQ(post(ana_, "/api/v1/matches/" + match_ + "/unmatch").status, 409) << "it is over already";

  for (const Person* p : {&ana_, &ben_}) {
    auto refused = say(*p, "still there?", "late-" + p->name);
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_EQ(refused.json()["type"], "/problems/conversation-closed");
    auto kept = history(*p);
    ASSERT_EQ(kept["messages"].size(), 1u);
    EXPECT_EQ(kept["closed"], true);
  }
  EXPECT_EQ(get(ana_, "/api/v1/conversations").json()["conversations"][0]["closed"], true);
  EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE conversation_id = $1 AND close_reason = 'unmatched'",
                  conversation_),
            1);
}

// Group commit gives every conversation of a batch the same last_message_at, to the microsecond; a
// cursor cut to milliseconds skipped the rest of them on the next page. And a cursor made up by the
// client is a 400, never a 500.
TEST_F(Messaging, TheConversationListPagesOverConversationsOfTheSameInstant) {
  std::set<std::string> all = {conversation_};
  for (const char* name : {"Carl", "Dan"}) {
    Person him = person(name, "man", "woman", 52.52, 13.40);
    const std::string match = match_between(ana_, him);
    ASSERT_EQ(post(ana_, "/api/v1/matches/" + match + "/like").status, 200);
    auto liked = post(him, "/api/v1/matches/" + match + "/like");
    ASSERT_EQ(liked.status, 200) << liked.body;
    all.insert(liked.json()["conversation_id"].get<std::string>());
  }
  {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec("UPDATE conversations SET last_message_at = '2026-12-01 10:00:00.123456+00'");
  }
  std::set<std::string> seen;
  std::string query = "?limit=1";
  for (int page = 0; page < 5; ++page) {
    auto res = get(ana_, "/api/v1/conversations" + query);
    ASSERT_EQ(res.status, 200) << res.body;
    const Json body = res.json();
    for (const auto& c : body["conversations"]) seen.insert(c["conversation_id"].get<std::string>());
    if (body["next_cursor"].is_null()) break;
    query = "?limit=1&cursor=" + body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, all) << "a page skipped conversations of the same instant";

  for (const std::string& cursor : {"2026-12-01T10:00:00.123Z_" + conversation_, "-1_" + conversation_,
                                    "99999999999999999999_" + conversation_, std::string("1764583200123456_not-a-uuid"),
                                    std::string("1764583200123456"), "_" + conversation_, "1e5_" + conversation_}) {
    auto res = get(ana_, "/api/v1/conversations?cursor=" + cursor);
    EXPECT_EQ(res.status, 400) << cursor << ": " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json");
  }
}

// A stalker's ways back in after being unmatched (or blocked): re-sending an old message's client id
// (answered, and published to the other live, without a budget, as often as they liked), and the
// read receipts and deletions of the one who left, which told the other they were still reading.
// A retry is still answered with the message it stored (its sender may have lost the ack just before
// the close), but only the sender's own devices hear of it.
TEST_F(Messaging, AfterAnUnmatchNothingOfEitherReachesTheOtherLive) {
  std::mutex mutex;
  std::vector<messaging::Event> events;
  server_->app().messaging.set_event_sink([&](const std::vector<messaging::Event>& batch) {
    std::lock_guard lock(mutex);
    events.insert(events.end(), batch.begin(), batch.end());
  });
  // The chat events `p` heard of (those of the unmatch itself aside).
  auto heard_by = [&](const Person& p) {
    std::lock_guard lock(mutex);
    std::vector<std::string> heard;
    for (const auto& e : events) {
      const std::string type = e.event.value("type", "");
      if ((type == "message.new" || type == "message.read" || type == "message.deleted") &&
          std::count(e.user_ids.begin(), e.user_ids.end(), UserId(p.user.user_id)))
        heard.push_back(type);
    }
    return heard;
  };
  auto hers = say(ana_, "Hi", "a-1");
  ASSERT_EQ(hers.status, 201) << hers.body;
  auto his = say(ben_, "Hello", "b-1");
  ASSERT_EQ(his.status, 201) << his.body;
  ASSERT_TRUE(test::eventually([&] { return heard_by(ben_).size() == 2; })) << "both sends were published";
  ASSERT_EQ(post(ben_, "/api/v1/matches/" + match_ + "/unmatch").status, 200);
  {
    std::lock_guard lock(mutex);
    events.clear();
  }

  for (const Person* p : {&ana_, &ben_}) {
    auto retry = say(*p, p == &ana_ ? "Hi" : "Hello", p == &ana_ ? "a-1" : "b-1");
    EXPECT_EQ(retry.status, 200) << p->name << "'s retry of a stored message: " << retry.body;
    EXPECT_EQ(retry.json().value("message_id", ""), (p == &ana_ ? hers : his).json()["message_id"]);
  }
  EXPECT_EQ(say(ana_, "Hi again", "a-2").status, 409) << "a new message after the unmatch";
  EXPECT_EQ(post(ana_, "/api/v1/conversations/" + conversation_ + "/read").status, 200);
  const Json bens = history(ben_);  // (named: the loop must not outlive it)
  ASSERT_EQ(bens["messages"].size(), 2u);
  for (const auto& m : bens["messages"])
    EXPECT_TRUE(m["read_at"].is_null()) << "Ben sees that she still reads: " << m.dump();
  EXPECT_EQ(get(ana_, "/api/v1/conversations").json()["conversations"][0]["unread_count"], 0)
      << "and she has nothing unread in a closed conversation";
  auto deleted = server_->request("DELETE", "/api/v1/messages/" + hers.json()["message_id"].get<std::string>(), "",
                                  ana_.user.auth());
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(heard_by(ana_), (std::vector<std::string>{"message.new", "message.deleted"}))
      << "her own devices (her read stamped nothing: no receipt to tell even them)";
  EXPECT_EQ(heard_by(ben_), std::vector<std::string>{"message.new"}) << "his own retry, and nothing of hers";
  std::lock_guard lock(mutex);
  for (const auto& e : events) EXPECT_EQ(e.user_ids.size(), 1u) << "reached both: " << e.event.dump();
}

namespace {
messaging::SendRequest text_from(const Person& p, const std::string& conversation, const std::string& client_id,
                                 const std::string& text) {
  return {.user_id = UserId(p.user.user_id),
          .conversation_id = ConversationId::parse(conversation).value(),
          .input = {.client_message_id = client_id, .content = text}};
}
}  // namespace

// Group commit: sends that arrive together are stored in one transaction, each conversation's
// order numbers consecutive in the order the sends came, and a send the checks refuse is
// answered alone with its problem while the rest of its batch is stored.
TEST_F(Messaging, ABatchNumbersEachConversationInArrivalOrderAndRefusesABadSendAlone) {
  Person carl = person("Carl", "man", "woman", 52.52, 13.40);
  const std::string with_carl = match_between(ana_, carl);
  ASSERT_EQ(post(ana_, "/api/v1/matches/" + with_carl + "/like").status, 200);
  auto liked = post(carl, "/api/v1/matches/" + with_carl + "/like");
  const std::string second = liked.json().value("conversation_id", "");
  ASSERT_FALSE(second.empty()) << liked.body;
  ASSERT_EQ(say(ana_, "before the batch", "earlier").status, 201);
  Person eve = person("Eve", "woman", "man", 52.50, 13.41);

  auto& service = server_->app().messaging;
  // What an array literal must quote: the batch's texts travel as one.
  const std::string kThree = "three, \"quoted\" {braced} \\ NULL";
  auto broken = text_from(ana_, conversation_, "broken", "x");
  broken.input.content = "\xff\xfe not UTF-8";  // past the JSON parser, PostgreSQL refuses it
  auto out = service.send_batch({
      text_from(ana_, conversation_, "a1", "one"),         // 0: seq 2 (1 is "earlier")
      text_from(ana_, second, "c1", "to Carl"),            // 1: seq 1 in the other conversation
      text_from(ben_, conversation_, "b1", "two"),         // 2: seq 3
      text_from(eve, conversation_, "e1", "let me in"),    // 3: not hers: 404
      text_from(ana_, conversation_, "a1", "one again"),   // 4: a retry within the batch: message 0
      text_from(ana_, conversation_, "earlier", "again"),  // 5: a retry of a stored one
      broken,                                              // 6: refused alone
      text_from(carl, second, "c2", "hi Ana"),             // 7: seq 2 there
      text_from(ana_, conversation_, "a2", kThree),        // 8: seq 4
  });
  ASSERT_EQ(out.size(), 9u);
  auto seq = [&](std::size_t i) { return out[i] ? out[i]->message.seq : -1; };
  EXPECT_EQ(seq(0), 2);
  EXPECT_EQ(seq(2), 3);
  EXPECT_EQ(seq(8), 4);
  EXPECT_EQ(seq(1), 1);
  EXPECT_EQ(seq(7), 2);
  for (std::size_t i : {0, 1, 2, 7, 8}) EXPECT_TRUE(out[i] && out[i]->created) << i;
  ASSERT_FALSE(out[3]);
  EXPECT_EQ(out[3].error().status, 404);
  ASSERT_TRUE(out[4]);
  EXPECT_FALSE(out[4]->created);
  EXPECT_EQ(out[4]->message.message_id, out[0]->message.message_id);
  ASSERT_TRUE(out[5]);
  EXPECT_FALSE(out[5]->created);
  EXPECT_EQ(out[5]->message.seq, 1);
  ASSERT_FALSE(out[6]) << "the message PostgreSQL refused";
  EXPECT_EQ(out[6].error().status, 500);

  // What every client reads: one order per conversation, nothing twice, nothing of the refused.
  std::vector<std::string> texts;
  const Json page = history(ben_, "?after=0&limit=100");  // (named: the loop must not outlive it)
  for (const auto& m : page["messages"]) texts.push_back(m["content"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"before the batch", "one", "two", kThree}));
  auto theirs = get(carl, "/api/v1/conversations/" + second + "/messages?after=0").json()["messages"];
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[0]["content"], "to Carl");
  EXPECT_EQ(theirs[1]["content"], "hi Ana");
  EXPECT_EQ(count("SELECT last_seq FROM conversations WHERE conversation_id = $1", conversation_), 4);
}

namespace {
class MessagingWithALowRateLimit : public Messaging {
 protected:
  void configure(Config& c) override {
    c.message_rate_limit = 3;
    c.reaction_limit_per_minute = 2;
  }
};
}  // namespace

TEST_F(MessagingWithALowRateLimit, ReactionsHaveABudgetPerUser) {
  const std::string id = say(ana_, "hi", "m0").json()["message_id"];
  auto react = [&](const Person& p, const char* action) {
    return server_->request("POST", "/api/v1/messages/" + id + "/reactions",
                            Json{{"emoji", "\u2764\ufe0f"}, {"action", action}}.dump(), p.user.auth());
  };
  EXPECT_EQ(react(ben_, "add").status, 200);
  EXPECT_EQ(react(ben_, "remove").status, 200);
  auto refused = react(ben_, "add");
  EXPECT_EQ(refused.status, 429) << "removing counts too: toggling pushes an event each time";
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(react(ana_, "add").status, 200) << "the budget is per user";
}

TEST_F(MessagingWithALowRateLimit, ASenderOverTheBudgetIsToldToWaitAndOthersAreNot) {
  for (const char* id : {"r0", "r1", "r2"}) ASSERT_EQ(say(ana_, "hi", id).status, 201);
  auto refused = say(ana_, "one more", "r3");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(history(ben_)["messages"].size(), 3u) << "nothing stored beyond the budget";
  EXPECT_EQ(say(ben_, "my turn", "b0").status, 201) << "the budget is per sender";
}

TEST_F(MessagingWithALowRateLimit, ASendOverTheBudgetInABatchIsRefusedAlone) {
  auto out = server_->app().messaging.send_batch({
      text_from(ana_, conversation_, "q0", "one"),
      text_from(ana_, conversation_, "q1", "two"),
      text_from(ben_, conversation_, "q0", "hers are hers"),
      text_from(ana_, conversation_, "q2", "three"),
      text_from(ana_, conversation_, "q3", "four: one too many"),
  });
  ASSERT_EQ(out.size(), 5u);
  for (std::size_t i : {0, 1, 2, 3}) EXPECT_TRUE(out[i]) << i;
  ASSERT_FALSE(out[4]);
  EXPECT_EQ(out[4].error().status, 429);
  EXPECT_EQ(history(ben_)["messages"].size(), 4u);
}

// A block removes what either was told about the other: the match, the messages, their pending
// deliveries. Nobody keeps a notification naming someone they blocked, or who blocked them.
TEST_F(Messaging, ABlockRemovesTheNotificationsEitherHasAboutTheOther) {
  ASSERT_EQ(say(ana_, "hi Ben", "n1").status, 201);
  server_->app().messaging.flush_notifications();  // the message's notification follows its ack
  auto named_pair = [&](const Person& p) {
    int n = 0;
    const Json list = get(p, "/api/v1/notifications").json();
    for (const auto& item : list["notifications"]) {
      const auto& c = item["content"];
      n += c.value("conversation_id", "") == conversation_ || c.value("user_id", "") == ana_.user.user_id ||
           c.value("user_id", "") == ben_.user.user_id;
    }
    return n;
  };
  ASSERT_GT(named_pair(ben_), 0) << "Ben was told of the match and the message";
  ASSERT_GT(named_pair(ana_), 0) << "Ana was told of the match";
  ASSERT_EQ(count("SELECT count(*) FROM notification_groups WHERE user_id = $1", ben_.user.user_id), 1)
      << "Ben's unread message notification has its group";
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  const int carls = static_cast<int>(get(carl, "/api/v1/notifications").json()["notifications"].size());

  ASSERT_EQ(post(ben_, "/api/v1/users/" + ana_.user.user_id + "/block").status, 204);
  EXPECT_EQ(named_pair(ben_), 0);
  EXPECT_EQ(named_pair(ana_), 0) << "both ways";
  for (const Person* p : {&ana_, &ben_})
    EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND sent_at IS NULL", p->user.user_id),
              0)
        << "nothing about the other is still to be mailed or pushed to " << p->name;
  EXPECT_EQ(count("SELECT count(*) FROM notification_groups WHERE user_id = $1", ben_.user.user_id), 0)
      << "the group of a forgotten notification goes with it (no key takes it since 0032)";
  EXPECT_EQ(get(carl, "/api/v1/notifications").json()["notifications"].size(), static_cast<std::size_t>(carls))
      << "others keep theirs";
}

// Deleting an account took its own notifications but left the others' about it: a message.new
// keeps the deleted person's words (its preview) and id in the partner's list and export for good.
TEST_F(Messaging, DeletingAnAccountTakesItOutOfTheOthersNotifications) {
  ASSERT_EQ(say(ben_, "my words, mine to take back", "w1").status, 201);
  server_->app().messaging.flush_notifications();  // the message's notification follows its ack
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  const std::string carls_match = match_between(ana_, carl);
  ASSERT_EQ(post(carl, "/api/v1/matches/" + carls_match + "/like").status, 200);  // Ana: someone liked her
  auto anas = [&] { return get(ana_, "/api/v1/notifications").json()["notifications"]; };
  ASSERT_EQ(anas().size(), 3u) << "the match with Ben, his message, and Carl's like: " << anas().dump();
  ASSERT_GT(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1", ana_.user.user_id), 0);

  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ben_.user.auth()).status, 204);
  const Json left = anas();
  ASSERT_EQ(left.size(), 1u) << left.dump();
  EXPECT_EQ(left[0]["type"], "like.received") << "Carl's is not about Ben";
  const std::string everything = get(ana_, "/api/v1/me/export").body;
  for (const std::string& trace : {ben_.user.user_id, std::string("my words, mine to take back"), conversation_})
    EXPECT_EQ(everything.find(trace), std::string::npos) << trace << " is still in Ana's export";
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox o WHERE user_id = $1 AND NOT EXISTS "
                  "(SELECT 1 FROM notifications n WHERE n.notification_id = o.notification_id)",
                  ana_.user.user_id),
            0)
      << "no delivery is left of a notification that went";
}

// Deleting an account left its conversations' cached previews (the last message's words) in Redis
// for their hour, orphaned: in every Redis dump and replica after the person had gone.
TEST_F(Messaging, DeletingAnAccountDropsItsConversationsCachedPreviews) {
  ASSERT_EQ(say(ben_, "words that go with me", "p1").status, 201);
  ASSERT_EQ(get(ana_, "/api/v1/conversations").json()["conversations"][0]["last_message"]["text"],
            "words that go with me");
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  ASSERT_FALSE(redis.command({"GET", "conversation:preview:" + conversation_})->is_nil()) << "the list cached it";

  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ben_.user.auth()).status, 204);
  EXPECT_TRUE(redis.command({"GET", "conversation:preview:" + conversation_})->is_nil())
      << "the preview of a conversation that went with the account is still cached";
  EXPECT_TRUE(get(ana_, "/api/v1/conversations").json()["conversations"].empty());
}

// A list read that a deletion overtakes (read from PostgreSQL before the deletion, cached after it
// dropped the key) wrote the deleted words back into Redis, and every list for the next hour showed
// them. What that read leaves behind is set here by hand: the order itself cannot be forced.
TEST_F(Messaging, APreviewCachedBeforeADeletionNeverShowsTheDeletedWords) {
  auto sent = say(ana_, "words I take back", "p1");
  ASSERT_EQ(sent.status, 201);
  ASSERT_EQ(get(ben_, "/api/v1/conversations").json()["conversations"][0]["last_message"]["text"], "words I take back");
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  const std::string key = "conversation:preview:" + conversation_;
  const std::string before_the_deletion(redis.command({"GET", key})->str());
  ASSERT_NE(before_the_deletion.find("words I take back"), std::string::npos);

  ASSERT_EQ(
      server_
          ->request("DELETE", "/api/v1/messages/" + sent.json()["message_id"].get<std::string>(), "", ana_.user.auth())
          .status,
      200);
  EXPECT_TRUE(redis.command({"GET", key})->is_nil()) << "the deletion drops the words from Redis";
  ASSERT_TRUE(redis.command({"SET", key, before_the_deletion, "EX", "3600"}));  // the overtaken read's fill

  for (auto* reader : {&ben_, &ana_}) {
    auto last = get(*reader, "/api/v1/conversations").json()["conversations"][0]["last_message"];
    EXPECT_EQ(last["text"], "") << reader->user.email;
    EXPECT_EQ(last["deleted"], true) << reader->user.email;
  }
  EXPECT_EQ(redis.command({"GET", key})->str().find("words I take back"), std::string::npos)
      << "the list replaced the stale preview";
}

// The notifications of a batch of messages are written off the send path, where no client can be
// told to try again: a batch that PostgreSQL chose as a deadlock's victim was dropped, and the
// recipient never heard of the message.
TEST_F(Messaging, AMessageNotificationSurvivesADeadlockOfItsBatch) {
  db_.fail_once("notifications", "BEFORE INSERT", "40P01");
  ASSERT_EQ(say(ana_, "are you there?", "n1").status, 201);
  server_->app().messaging.flush_notifications();
  auto conn = db_.connect();
  ASSERT_GE(pqxx::nontransaction(conn).exec1("SELECT last_value FROM pm_test_fail_once_notifications")[0].as<int>(), 2)
      << "the batch's first try failed, and it was tried again";
  bool heard = false;
  const Json listed = get(ben_, "/api/v1/notifications").json();
  for (const auto& note : listed["notifications"])
    heard = heard || (note["type"] == "message.new" && note["content"]["preview"] == "are you there?");
  EXPECT_TRUE(heard) << "the message's notification was lost with its batch";
}

// A deleted message's words left the chat but stayed in the recipient's notification (its preview)
// and its queued deliveries, whether the notification was recorded before the deletion or just
// after it (the notifications follow their messages by up to a fifth of a second).
TEST_F(Messaging, ADeletedMessagesWordsLeaveTheRecipientsNotification) {
  auto quoted = [&](const std::string& words) {
    return get(ben_, "/api/v1/notifications").body.find(words) != std::string::npos ||
           count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND payload::text LIKE '%" + words + "%'",
                 ben_.user.user_id) > 0;
  };
  auto erase = [&](const test::HttpResult& sent) {
    return server_->request("DELETE", "/api/v1/messages/" + sent.json()["message_id"].get<std::string>(), "",
                            ana_.user.auth());
  };
  // Recorded, then deleted.
  auto first = say(ana_, "first secret", "d1");
  ASSERT_EQ(first.status, 201) << first.body;
  server_->app().messaging.flush_notifications();
  ASSERT_TRUE(quoted("first secret")) << "the notification quotes the message";
  ASSERT_EQ(erase(first).status, 200);
  EXPECT_FALSE(quoted("first secret")) << "its words stay in Ben's notifications";
  // Deleted before its notification is recorded.
  auto second = say(ana_, "second secret", "d2");
  ASSERT_EQ(second.status, 201) << second.body;
  ASSERT_EQ(erase(second).status, 200);
  server_->app().messaging.flush_notifications();
  EXPECT_FALSE(quoted("second secret")) << "recorded after the deletion with its words";
  const Json list = get(ben_, "/api/v1/notifications").json()["notifications"];
  bool told = false;
  for (const auto& n : list)
    told = told || (n["type"] == "message.new" && n["content"]["conversation_id"] == conversation_);
  EXPECT_TRUE(told) << "Ben is still told Ana wrote: " << list.dump();
  // A later message is quoted as before.
  ASSERT_EQ(say(ana_, "third words", "d3").status, 201);
  server_->app().messaging.flush_notifications();
  EXPECT_TRUE(quoted("third words"));
  // Deleted after its notification went out (the delivery's row is kept as the activity record),
  // and after a later message took the notification's place (its delivery quoted this one). Ben
  // reads what he has first: a message to a read notification starts a new one, delivered anew.
  auto read_all = [&] {
    ASSERT_EQ(server_->request("POST", "/api/v1/notifications/read-all", "", ben_.user.auth()).status / 100, 2);
  };
  read_all();
  auto fourth = say(ana_, "fourth secret", "d4");
  server_->app().messaging.flush_notifications();
  ASSERT_TRUE(server_->app().notification_outbox.deliver_pending(50));
  // Nothing left to deliver (what he had read went unsent: "seen").
  ASSERT_EQ(
      count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND sent_at IS NULL AND failed_at IS NULL",
            ben_.user.user_id),
      0);
  ASSERT_TRUE(quoted("fourth secret"));
  ASSERT_EQ(erase(fourth).status, 200);
  EXPECT_FALSE(quoted("fourth secret")) << "its words stay in a sent delivery";
  read_all();
  auto fifth = say(ana_, "fifth secret", "d5");
  server_->app().messaging.flush_notifications();
  ASSERT_TRUE(server_->app().notification_outbox.deliver_pending(50));
  ASSERT_EQ(say(ana_, "sixth words", "d6").status, 201);
  server_->app().messaging.flush_notifications();
  ASSERT_TRUE(quoted("sixth words"));
  ASSERT_EQ(erase(fifth).status, 200);
  EXPECT_FALSE(quoted("fifth secret")) << "its words stay in the delivery of a notification that moved on";
}

// The notifications' drain holds the conversations it records for (FOR KEY SHARE) until it commits:
// a close must wait for it (the block that closed then removes what it wrote), a send must not (one
// lane stores a node's sends: a send held up there holds up every send of the node).
TEST_F(Messaging, ANotificationDrainHoldsUpACloseButNoSend) {
  HeldTransaction drain(server_->app().db, [&](pqxx::work& tx) {
    EXPECT_EQ(messaging::repository::lock_open_conversations(tx, {ConversationId(conversation_)}).size(), 1u);
  });
  // Waiting on a row lock: a send held up by the drain, or the close.
  auto sent = std::async(std::launch::async, [&] { return say(ana_, "while the drain holds it", "d1"); });
  bool send_waited = false;  // (a held-up batch fails at the statement timeout, and its sends go again alone)
  while (sent.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready)
    send_waited = send_waited || db_.statement_waits_for_a_lock("%");
  EXPECT_FALSE(send_waited) << "the send waited for the drain";
  EXPECT_EQ(sent.get().status, 201);

  auto blocked = std::async(std::launch::async,
                            [&] { return post(ben_, "/api/v1/users/" + ana_.user.user_id + "/block").status; });
  // The close, seen waiting on a row lock.
  EXPECT_TRUE(test::eventually([&] { return db_.statement_waits_for_a_lock("%closed_at = now()%"); },
                               std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << "the close did not wait for the drain";
  drain.let_go();
  EXPECT_EQ(blocked.get(), 204);
  EXPECT_EQ(say(ben_, "after the block", "d2").status, 409) << "closed";
}

// A deletion of an account that meets another writer waits for it, then goes. The writers lock a
// conversation, then a match (a send's outcome), then the users' rows (their notifications' keys);
// the deletion locked the user's row first: it deadlocked with them and failed with a 500.
TEST_F(Messaging, DeletingAnAccountWaitsForANotificationsDrainInsteadOfDeadlocking) {
  const ConversationId conversation(conversation_);
  expect_deletion_waits_for(
      [&](pqxx::work& tx) { EXPECT_EQ(messaging::repository::lock_open_conversations(tx, {conversation}).size(), 1u); },
      [&](pqxx::work& tx) {
        server_->app().notifications.record_coalesced_many(
            tx, notifications::Type::message_new,
            {{.user_id = UserId(ben_.user.user_id), .group_key = conversation_, .content = bens_notification()}});
      });
}

TEST_F(Messaging, DeletingAnAccountWaitsForALikeInsteadOfDeadlocking) {
  expect_deletion_waits_for(
      [&](pqxx::work& tx) {  // as a like does (UPDATE matches ... : its row locked)
        tx.exec_params("UPDATE matches SET user_2_liked = user_2_liked WHERE match_id = $1", match_);
      },
      [&](pqxx::work& tx) {
        EXPECT_TRUE(server_->app().notifications.record(tx, UserId(ben_.user.user_id),
                                                        notifications::Type::like_received, bens_notification()));
      });
}

// A block's forgetting of the pair's notifications, met by the deletion of one of them: the
// deletion removes the partner's notifications, then (its row's cascade) its own; the forgetting
// removed one person's, then the other's. Replayed here with the deletion's statements held in
// its order (app.cpp), at the point where the deletion has removed Ana's notifications about Ben
// and not yet Ben's row: the forgetting must wait for it, not take Ben's notifications first (each
// then waited for the other: a deadlock, and the deletion failed with a 503).
TEST_F(Messaging, ABlocksForgettingAndADeletionOfThePairTakeTurnsInsteadOfDeadlocking) {
  ASSERT_EQ(say(ben_, "hi Ana", "b1").status, 201);
  ASSERT_EQ(say(ana_, "hi Ben", "a1").status, 201);
  server_->app().messaging.flush_notifications();
  const UserId ana(ana_.user.user_id), ben(ben_.user.user_id);
  auto notes_of = [&](const UserId& who) {
    return count("SELECT count(*) FROM notifications WHERE user_id = $1", who.str());
  };
  ASSERT_GT(notes_of(ana), 0);
  ASSERT_GT(notes_of(ben), 0);

  HeldTransaction deletion(
      server_->app().db,
      [&](pqxx::work& tx) {
        messaging::lock_conversations_of_departing(tx, ben);  // Ben's conversations, locked
        notifications::before_account_deletion(tx, ben);      // Ana's notifications about him, deleted
      },
      [&](pqxx::work& tx) { tx.exec_params0("DELETE FROM users WHERE user_id = $1", ben); });
  auto forgotten = std::async(std::launch::async, [&] {
    actor::Scope as_system(actor::Scope::system());
    return server_->app().notifications.forget_between(ben, ana).has_value();
  });
  EXPECT_TRUE(test::eventually([&] { return db_.statement_waits_for_a_lock("%"); }, std::chrono::seconds(6),
                               std::chrono::milliseconds(20)))
      << "the forgetting did not meet the deletion";
  EXPECT_TRUE(deletion.finish()) << "the deletion committed";
  EXPECT_TRUE(forgotten.get()) << "and the block's forgetting too";
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE user_id = $1", ben.str()), 0);
  EXPECT_EQ(notes_of(ben), 0);
  EXPECT_EQ(notes_of(ana), 0) << "nothing of Ben's is left in Ana's list";
}

// Deleting an account takes its conversations with it, and so every image in them: none stays in
// storage, whoever sent it.
TEST_F(Messaging, DeletingAnAccountRemovesTheImagesOfItsConversations) {
  std::vector<std::string> keys;
  for (const Person* p : {&ana_, &ben_}) {
    auto upload = upload_photo(*p);
    ASSERT_EQ(upload.status, 201) << upload.body;
    keys.push_back(upload.json()["media_key"]);
    ASSERT_EQ(send(*p, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", keys.back()}}).status,
              201);
  }
  for (const auto& key : keys) ASSERT_TRUE(server_->app().media_store->exists(key).value_or(false));
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ben_.user.auth()).status, 204);
  for (const auto& key : keys)
    EXPECT_FALSE(server_->app().media_store->exists(key).value_or(true)) << key << " outlived the account";
}

// An image uploaded for a chat and never sent is deleted by the worker after a day; a sent one
// stays; and only the sender's own upload can be sent.
TEST_F(Messaging, UnsentChatUploadsAreDeletedAfterADay) {
  auto upload = [&](const Person& p) {
    auto res = upload_photo(p);
    EXPECT_EQ(res.status, 201) << res.body;
    return res.json().value("media_key", "");
  };
  const std::string sent = upload(ana_), unsent = upload(ana_), bens = upload(ben_);
  ASSERT_EQ(send(ana_, {{"client_message_id", "pic"}, {"message_type", "image"}, {"media_key", sent}}).status, 201);
  EXPECT_EQ(send(ana_, {{"client_message_id", "his"}, {"message_type", "image"}, {"media_key", bens}}).status, 400)
      << "someone else's upload cannot be sent";
  auto& messaging = server_->app().messaging;
  ASSERT_EQ(messaging.delete_unsent_uploads(24).value_or(-1), 0) << "nothing is a day old yet";
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("UPDATE chat_uploads SET created_at = now() - interval '25 hours'");
    tx.commit();
  }
  EXPECT_EQ(messaging.delete_unsent_uploads(24).value_or(-1), 2) << "Ana's unsent one and Ben's";
  auto& store = *server_->app().media_store;
  EXPECT_TRUE(store.exists(sent).value_or(false)) << "a sent image stays";
  EXPECT_FALSE(store.exists(unsent).value_or(true));
  EXPECT_FALSE(store.exists(bens).value_or(true));
}
