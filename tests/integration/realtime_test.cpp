// Real-time messaging over real sockets (docs/realtime.md, issue 6): users on different
// `perfectmatch serve` processes talk live through the Redis hub, a user's every socket gets every
// event, sends are idempotent, a reconnecting client resumes with exactly what it missed, a
// SIGKILLed node loses no acknowledged message, outsiders see nothing, sockets authenticate, and
// matches and unmatches reach both users live.
//
// The serve processes use the fixture's database, Redis and keys, so the people the in-process
// server signed up exist for them; REST calls go to whichever node the test names.

#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>

#include "cache/redis.hpp"
#include "cache/subscriber.hpp"
#include "core/crypto.hpp"
#include "realtime/hub.hpp"
#include "support/eventually.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"
#include "support/ws_client.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;
using test::WsClient;

namespace {

constexpr const char* kHeart = "\u2764\ufe0f";

// One `perfectmatch serve` process on a port of its own.
struct Node {
  std::uint16_t port = 0;
  std::string log;
  std::unique_ptr<test::Process> process;

  std::string log_text() const {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

std::vector<int> seqs_of(const std::vector<Json>& events) {
  std::vector<int> out;
  for (const auto& e : events) out.push_back(e["message"]["seq"]);
  return out;
}

std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i <= to; ++i) out.push_back(i);
  return out;
}

// Two people with a pending match between them (see RealtimeChat for an open conversation).
class Realtime : public test::AnaAndBen {
 protected:
  // Bursts and retries here are about delivery, not about the per-user send limit.
  void configure(Config& config) override { config.message_rate_limit = 1000000; }

  void TearDown() override {
    for (auto& node : nodes_) {
      if (HasFailure())
        std::printf("serve log kept: %s\n", node->log.c_str());
      else
        std::remove(node->log.c_str());
    }
  }

  // A serve process on the fixture's stores, ready (GET /readyz is 200) when this returns.
  Node& start_node(const std::string& log_level = "warn", const std::map<std::string, std::string>& extra_env = {}) {
    auto node = std::make_unique<Node>();
    node->port = test::free_port();
    node->log = ::testing::TempDir() + "pm-realtime-" + db_.name() + "-" + std::to_string(node->port) + ".log";
    std::map<std::string, std::string> env = {{"PM_DATABASE_URL", config_.database_url},
                                              {"PM_REDIS_URL", config_.redis_url},
                                              {"PM_PII_KEYS", config_.pii_keys},
                                              {"PM_BLIND_INDEX_KEY", config_.blind_index_key},
                                              {"PM_QUESTION_BANK", config_.question_bank},
                                              {"PM_LOG_LEVEL", log_level},
                                              {"PM_MEDIA_BACKEND", "local"},
                                              {"PM_MEDIA_DIR", config_.media_dir},
                                              {"PM_MEDIA_URL_SECRET", config_.media_url_secret},
                                              {"PM_MAIL_DIR", config_.mail_dir},
                                              {"PM_NOTIFICATION_DIR", config_.notification_dir},
                                              {"PM_MIGRATIONS_DIR", config_.migrations_dir},
                                              {"PM_DOCS_DIR", config_.docs_dir},
                                              {"PM_TRUSTED_PROXIES", "127.0.0.1"},
                                              {"PM_DB_POOL_SIZE", "4"},
                                              {"PM_REDIS_POOL_SIZE", "4"},
                                              {"PM_HANDLER_THREADS", "4"},
                                              {"PM_MESSAGE_RATE_LIMIT", std::to_string(config_.message_rate_limit)},
                                              // bursts of frames here are about delivery, not the frame budget
                                              {"PM_WS_FRAMES_PER_10S", "1000000"}};
    for (const auto& [name, value] : extra_env) env[name] = value;
    node->process = std::make_unique<test::Process>(
        std::vector<std::string>{test::binary_path(), "serve", "--port", std::to_string(node->port)}, env, node->log);
    bool up = test::wait_for_port(node->port, 20000);
    for (int i = 0; up && i < 200; ++i) {
      if (test::http(node->port, "GET", "/readyz").status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!up || test::http(node->port, "GET", "/readyz").status != 200)
      throw std::runtime_error("serve on port " + std::to_string(node->port) + " did not become ready:\n" +
                               node->log_text());
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  // A socket of `p` on `node`, authenticated with the header; checks the `ready` frame.
  std::unique_ptr<WsClient> connect(const Node& node, const Person& p, std::string* node_id = nullptr) {
    auto ws = std::make_unique<WsClient>(node.port, p.user.token);
    auto ready = ws->wait_for("ready");
    EXPECT_TRUE(ready) << p.name << " got no ready frame on port " << node.port;
    if (ready) {
      EXPECT_EQ((*ready)["user_id"], p.user.user_id);
      if (node_id) *node_id = ready->value("node", "");
    }
    return ws;
  }

  test::HttpResult rest(const Node& node, const Person& p, const std::string& method, const std::string& path,
                        const Json& body = nullptr) {
    return test::http(node.port, method, path, body.is_null() ? "" : body.dump(), p.user.auth());
  }

  // Both like the match: it becomes active and its conversation opens.
  void open_conversation() {
    conversation_ = both_like();
    ASSERT_FALSE(conversation_.empty());
  }

  Json send_frame(const std::string& client_id, const std::string& text) const {
    return {{"type", "message.send"},
            {"conversation_id", conversation_},
            {"client_message_id", client_id},
            {"content", text}};
  }
  Json frame(const std::string& type) const { return {{"type", type}, {"conversation_id", conversation_}}; }

  // Sends a text over the socket and expects a fresh message's ack; returns the message.
  Json say(WsClient& ws, const std::string& client_id, const std::string& text) {
    auto ack = ws.request(send_frame(client_id, text));
    EXPECT_EQ(ack["type"], "ack") << ack.dump();
    EXPECT_EQ(ack.value("created", false), true) << ack.dump();
    return ack.value("message", Json::object());
  }

  // The next message.new of this conversation (with `seq`, when given).
  std::optional<Json> message_new(WsClient& ws, int seq = 0, int timeout_ms = WsClient::kWaitMs) {
    return ws.wait_for("message.new", timeout_ms, [&](const Json& e) {
      return e.value("conversation_id", "") == conversation_ && (seq == 0 || e["message"]["seq"] == seq);
    });
  }

  // Every message of the conversation over REST on `node`, oldest first.
  Json history(const Node& node, const Person& p) {
    auto res = rest(node, p, "GET", "/api/v1/conversations/" + conversation_ + "/messages?after=0&limit=200");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.status == 200 ? res.json()["messages"] : Json::array();
  }

  // A socket refused as unauthenticated: an error frame with status 401, closed with 1008
  // (policy), never ready.
  static void expect_unauthenticated(WsClient& ws, const std::string& what) {
    auto error = ws.next_event();
    ASSERT_TRUE(error) << "no answer: " << what;
    EXPECT_EQ((*error)["type"], "error") << what << ": " << error->dump();
    EXPECT_EQ((*error)["problem"].value("status", 0), 401) << what << ": " << error->dump();
    EXPECT_EQ(ws.wait_closed(), 1008) << what;
    EXPECT_TRUE(of_type(ws.drain(0), "ready").empty()) << what;
  }

  static std::vector<Json> of_type(const std::vector<Json>& frames, const std::string& type) {
    std::vector<Json> out;
    for (const auto& f : frames)
      if (f.value("type", "") == type) out.push_back(f);
    return out;
  }

  std::string conversation_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// The same with the match active and its conversation open.
class RealtimeChat : public Realtime {
 protected:
  void SetUp() override {
    Realtime::SetUp();
    if (!HasFatalFailure()) open_conversation();
  }
};

}  // namespace

// (a) Two users on two nodes: messages, receipts, reactions and typing, live; Ana has a second
// device on Ben's node and sees everything there too.
TEST_F(RealtimeChat, TwoUsersOnTwoNodesTalkLiveAndEveryDeviceHearsIt) {
  Node& a = start_node();
  Node& b = start_node();
  std::string node_a, node_b;
  auto ana = connect(a, ana_, &node_a);
  auto ana_phone = connect(b, ana_);
  auto ben = connect(b, ben_, &node_b);
  EXPECT_FALSE(node_a.empty());
  EXPECT_NE(node_a, node_b) << "the two serve processes name themselves differently";

  // Ana writes on node A; Ben on node B and Ana's other device get it.
  Json hello = say(*ana, "a-1", "Hi Ben!");
  EXPECT_EQ(hello["seq"], 1);
  EXPECT_EQ(hello["content"], "Hi Ben!");
  for (WsClient* ws : {ben.get(), ana_phone.get()}) {
    auto got = message_new(*ws, 1);
    ASSERT_TRUE(got) << "message.new did not reach a socket on the other node";
    EXPECT_EQ((*got)["message"]["message_id"], hello["message_id"]);
    EXPECT_EQ((*got)["message"]["content"], "Hi Ben!");
    EXPECT_EQ((*got)["message"]["sender_id"], ana_.user.user_id);
  }

  // Ben reads it: both of Ana's sockets get the receipt.
  auto read = ben->request(frame("read"));
  ASSERT_EQ(read["type"], "ack") << read.dump();
  EXPECT_EQ(read["read_up_to"], 1);
  EXPECT_EQ(read["conversation_id"], conversation_);
  for (WsClient* ws : {ana.get(), ana_phone.get()}) {
    auto receipt = ws->wait_for("message.read");
    ASSERT_TRUE(receipt) << "message.read did not reach Ana";
    EXPECT_EQ((*receipt)["conversation_id"], conversation_);
    EXPECT_EQ((*receipt)["reader_id"], ben_.user.user_id);
    EXPECT_EQ((*receipt)["read_up_to"], 1);
  }
  EXPECT_FALSE(history(a, ana_)[0]["read_at"].is_null()) << "the receipt is stored";

  // Ben types, then answers from node B: Ana hears both on node A and on her phone.
  ASSERT_EQ(ben->request(frame("typing"))["type"], "ack");
  Json reply = say(*ben, "b-1", "Hello Ana");
  EXPECT_EQ(reply["seq"], 2);
  for (WsClient* ws : {ana.get(), ana_phone.get()}) {
    auto typing = ws->wait_for("typing");
    ASSERT_TRUE(typing) << "typing did not reach Ana";
    EXPECT_EQ((*typing)["conversation_id"], conversation_);
    EXPECT_EQ((*typing)["user_id"], ben_.user.user_id);
    auto got = message_new(*ws, 2);
    ASSERT_TRUE(got) << "Ben's message did not reach Ana";
    EXPECT_EQ((*got)["message"]["content"], "Hello Ana");
  }

  // Ana reacts over REST on node A; Ben (node B) and her phone (node B) get the reaction.
  auto reacted = rest(a, ana_, "POST", "/api/v1/messages/" + reply["message_id"].get<std::string>() + "/reactions",
                      {{"emoji", kHeart}});
  ASSERT_EQ(reacted.status, 200) << reacted.body;
  for (WsClient* ws : {ben.get(), ana_phone.get()}) {
    auto reaction = ws->wait_for("reaction");
    ASSERT_TRUE(reaction) << "the reaction did not reach the other node";
    EXPECT_EQ((*reaction)["conversation_id"], conversation_);
    EXPECT_EQ((*reaction)["message_id"], reply["message_id"]);
    EXPECT_EQ((*reaction)["user_id"], ana_.user.user_id);
    EXPECT_EQ((*reaction)["emoji"], kHeart);
    EXPECT_EQ((*reaction)["action"], "add");
    ASSERT_EQ((*reaction)["reactions"].size(), 1u) << reaction->dump();
    EXPECT_EQ((*reaction)["reactions"][0]["userId"], ana_.user.user_id);
    EXPECT_EQ((*reaction)["reactions"][0]["reaction"], kHeart);
  }

  // Each message reached each socket once: the socket that sent one has it from its ack alone
  // (her phone, which did not send it, got Ana's message live above).
  for (WsClient* ws : {ana.get(), ana_phone.get(), ben.get()})
    for (const auto& e : of_type(ws->drain(), "message.new"))
      ADD_FAILURE() << "came twice, or back to its sender: " << e.dump();
  auto stored = history(b, ben_);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1]["reactions"].size(), 1u);
}

// Each receipt and deletion is pushed to every device of the other person: one that changes
// nothing (read again with nothing new, deleted again) is not news. A harasser looping them filled
// a slow phone's send queue until its socket closed.
TEST_F(RealtimeChat, ReadingOrDeletingAgainTellsTheOtherNothingNew) {
  Node& node = start_node();
  auto ana = connect(node, ana_);
  auto ben = connect(node, ben_);
  Json hello = say(*ana, "a-1", "Hi Ben!");
  ASSERT_TRUE(message_new(*ben, 1));
  const auto read_path = "/api/v1/conversations/" + conversation_ + "/read";
  for (int i = 0; i < 20; ++i) {
    auto read = rest(node, ben_, "POST", read_path);
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(read.json()["read_up_to"], 1) << "each answer still says how far he has read";
  }
  ASSERT_TRUE(ana->wait_for("message.read"));
  EXPECT_TRUE(of_type(ana->drain(), "message.read").empty()) << "one receipt, not twenty";

  const auto message_path = "/api/v1/messages/" + hello["message_id"].get<std::string>();
  for (int i = 0; i < 5; ++i) {
    auto deleted = rest(node, ana_, "DELETE", message_path);
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    EXPECT_EQ(deleted.json()["content"], nullptr);
  }
  ASSERT_TRUE(ben->wait_for("message.deleted"));
  EXPECT_TRUE(of_type(ben->drain(), "message.deleted").empty()) << "one deletion, not five";
}

// Read receipts and typing flow only while both people share them (privacy setting
// `read_receipts`): Ben turning his off tells Ana neither when he read nor when he types, and, the
// same for both, tells him neither of hers. Reads are still stamped (the unread counts), but one
// made while either withheld receipts never shows its time, not even once both share them again,
// nor in the sender's data export. Each "nothing came" is checked behind a message sent after it,
// which the same channel delivers later.
TEST_F(RealtimeChat, ReceiptsAndTypingFlowOnlyWhileBothShareThem) {
  Node& node = start_node();
  auto ana = connect(node, ana_);
  auto ben = connect(node, ben_);
  auto set_receipts = [&](bool on) {
    auto res = rest(node, ben_, "PUT", "/api/v1/me/preferences", {{"privacy_settings", {{"read_receipts", on}}}});
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.json()["privacy_settings"]["read_receipts"], on);
  };
  auto read_by = [](const std::vector<Json>& frames, const Person& reader) {
    std::vector<Json> out;
    for (const auto& f : of_type(frames, "message.read"))
      if (f.value("reader_id", "") == reader.user.user_id) out.push_back(f);
    return out;
  };
  set_receipts(false);

  Json hello = say(*ana, "a-1", "Hi Ben!");
  ASSERT_TRUE(message_new(*ben, 1));
  auto read = ben->request(frame("read"));
  ASSERT_EQ(read["type"], "ack") << read.dump();
  EXPECT_EQ(read["read_up_to"], 1) << "his own answer says how far he has read";
  ASSERT_EQ(ben->request(frame("typing"))["type"], "ack");
  say(*ben, "b-1", "Hello");
  ASSERT_TRUE(message_new(*ana, 2));
  ASSERT_EQ(ana->request(frame("read"))["type"], "ack");
  ASSERT_EQ(ana->request(frame("typing"))["type"], "ack");
  say(*ana, "a-2", "How are you?");
  ASSERT_TRUE(message_new(*ben, 3));
  say(*ben, "b-2", "Fine");
  ASSERT_TRUE(message_new(*ana, 4));
  const auto to_ana = ana->drain(0), to_ben = ben->drain(0);
  EXPECT_TRUE(read_by(to_ana, ben_).empty()) << "Ana is not told Ben read her message";
  EXPECT_TRUE(of_type(to_ana, "typing").empty()) << "nor that he types";
  EXPECT_TRUE(read_by(to_ben, ana_).empty()) << "nor is Ben told that Ana read his";
  EXPECT_TRUE(of_type(to_ben, "typing").empty()) << "nor that she types";
  for (const auto* p : {&ana_, &ben_})
    for (const auto& m : history(node, *p)) EXPECT_TRUE(m["read_at"].is_null()) << p->name << ": " << m.dump();
  auto retried = ana->request(send_frame("a-1", "Hi Ben!"));
  ASSERT_EQ(retried["type"], "ack") << retried.dump();
  EXPECT_TRUE(retried["message"]["read_at"].is_null()) << "a retry's ack does not tell either";
  const auto hello_path = "/api/v1/messages/" + hello["message_id"].get<std::string>();
  auto reacted = rest(node, ana_, "POST", hello_path + "/reactions", {{"emoji", kHeart}});
  ASSERT_EQ(reacted.status, 200) << reacted.body;
  EXPECT_TRUE(reacted.json()["read_at"].is_null()) << "nor a reaction's answer";
  auto exported = rest(node, ana_, "GET", "/api/v1/me/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  const Json sent = exported.json().at("messages_sent");
  ASSERT_EQ(sent.size(), 2u) << exported.body;
  for (const auto& m : sent) EXPECT_FALSE(m.contains("read_at")) << "nor her export: " << m.dump();
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1 AND read_at IS NOT NULL", conversation_), 2)
      << "both reads are stamped all the same";

  // Shared again: the reads made meanwhile stay without a time; a new read is told.
  set_receipts(true);
  auto deleted = rest(node, ana_, "DELETE", hello_path);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(deleted.json()["read_at"].is_null()) << "read while withheld: never shown";
  for (const auto& m : history(node, ana_))
    EXPECT_TRUE(m["read_at"].is_null()) << "read while withheld: never shown: " << m.dump();
  auto again = ben->request(frame("read"));
  ASSERT_EQ(again["type"], "ack") << again.dump();
  auto receipt = ana->wait_for("message.read");
  ASSERT_TRUE(receipt) << "the receipt reaches Ana again";
  EXPECT_EQ((*receipt)["read_up_to"], 3);
  EXPECT_FALSE(history(node, ana_)[2]["read_at"].is_null()) << "a read made while both share receipts shows";
  ASSERT_EQ(ben->request(frame("typing"))["type"], "ack");
  ASSERT_TRUE(ana->wait_for("typing")) << "and his typing";
}

// (b) A client that did not see its ack sends the same frame again: one message.
TEST_F(RealtimeChat, ARetriedSendIsOneMessage) {
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(b, ben_);

  auto first = ana->request(send_frame("retry-1", "Only once"));
  ASSERT_EQ(first["type"], "ack") << first.dump();
  EXPECT_EQ(first["created"], true);
  auto again = ana->request(send_frame("retry-1", "Only once"));
  ASSERT_EQ(again["type"], "ack") << again.dump();
  EXPECT_EQ(again["created"], false) << "a retry is not a new message";
  EXPECT_EQ(again["message"]["message_id"], first["message"]["message_id"]);
  EXPECT_EQ(again["message"]["seq"], first["message"]["seq"]);

  // The retry may come through another node after a reconnect: still the original.
  auto ana_b = connect(b, ana_);
  auto via_b = ana_b->request(send_frame("retry-1", "Only once"));
  ASSERT_EQ(via_b["type"], "ack") << via_b.dump();
  EXPECT_EQ(via_b["created"], false);
  EXPECT_EQ(via_b["message"]["message_id"], first["message"]["message_id"]);

  ASSERT_TRUE(message_new(*ben, 1)) << "Ben gets the message";
  EXPECT_TRUE(of_type(ben->drain(), "message.new").empty()) << "and only once";
  EXPECT_EQ(history(b, ben_).size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1", conversation_), 1);
}

// (c) Ben loses his connection while Ana keeps writing; he reconnects (to the other node) and
// resumes from the last seq he saw: exactly the missed messages, in order, once, even while Ana
// goes on writing during the resume.
TEST_F(RealtimeChat, AReconnectingClientResumesExactlyWhatItMissed) {
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(b, ben_);
  say(*ana, "c-1", "one");
  say(*ana, "c-2", "two");
  ASSERT_TRUE(message_new(*ben, 1));
  ASSERT_TRUE(message_new(*ben, 2));
  ben->drop();

  auto anas_phone = connect(b, ana_);
  for (int i = 3; i <= 5; ++i) say(*ana, "c-" + std::to_string(i), "message " + std::to_string(i));
  // Published while he was away: Ana's other device heard the last one (each batch's events go out
  // in one round trip to Redis, both users' channels). One published after his new socket is
  // ready would come live at once, ahead of the replay (docs/realtime.md).
  ASSERT_TRUE(message_new(*anas_phone, 5)) << "Ana's other device hears her messages";

  // He comes back on node A and resumes from seq 2.
  auto back = connect(a, ben_);
  back->send_json({{"type", "resume"}, {"id", "resume-1"}, {"conversations", {{conversation_, 2}}}});
  std::vector<Json> before_ack;
  Json ack;
  while (auto f = back->next_event()) {
    if (f->value("id", "") == "resume-1") {
      ack = *f;
      break;
    }
    before_ack.push_back(*f);
  }
  ASSERT_EQ(ack.value("type", ""), "ack") << "no ack for resume: " << ack.dump();
  auto replayed = of_type(before_ack, "message.new");
  EXPECT_EQ(ack["replayed"], 3);
  EXPECT_EQ(seqs_of(replayed), range(3, 5)) << "the missed messages, in order, before the ack";
  for (const auto& e : replayed) EXPECT_EQ(e["conversation_id"], conversation_);
  if (replayed.size() == 3) {
    EXPECT_EQ(replayed[0]["message"]["content"], "message 3");
  }
  say(*ana, "c-6", "live again");
  ASSERT_TRUE(message_new(*back, 6)) << "live delivery goes on after the resume";
  auto after = of_type(back->drain(), "message.new");
  EXPECT_TRUE(after.empty()) << "nothing is delivered twice: " << Json(after).dump();

  // Again, with Ana writing (through a third node, the fixture's) while he resumes.
  back->drop();
  say(*ana, "c-7", "seven");
  say(*ana, "c-8", "eight");
  // Published while he was away, as above: else, on a loaded machine, one reached node B after his
  // new socket was ready and came live ahead of the replay (a fresh clone's run saw 8, 7, 9...).
  ASSERT_TRUE(message_new(*anas_phone, 8)) << "Ana's other device hears her messages";
  auto again = connect(b, ben_);
  again->send_json({{"type", "resume"}, {"id", "resume-2"}, {"conversations", {{conversation_, 6}}}});
  std::thread writer([&] {
    for (int i = 9; i <= 16; ++i) {
      auto sent = server_->request(
          "POST", "/api/v1/conversations/" + conversation_ + "/messages",
          Json{{"client_message_id", fmt::format("c-{}", i)}, {"content", fmt::format("m{}", i)}}.dump(),
          ana_.user.auth());
      EXPECT_EQ(sent.status, 201) << sent.body;
    }
  });
  std::vector<Json> frames;
  bool acked = false, saw_last = false;
  while (!(acked && saw_last)) {
    auto f = again->next_event();
    if (!f) break;
    if (f->value("id", "") == "resume-2") {
      acked = true;
      EXPECT_EQ((*f)["type"], "ack") << f->dump();
      EXPECT_GE(f->value("replayed", 0), 2);
      continue;
    }
    frames.push_back(*f);
    saw_last = saw_last || (f->value("type", "") == "message.new" && (*f)["message"]["seq"] == 16);
  }
  writer.join();
  EXPECT_TRUE(acked) << "no ack for the second resume";
  auto rest_of = again->drain();
  frames.insert(frames.end(), rest_of.begin(), rest_of.end());
  EXPECT_EQ(seqs_of(of_type(frames, "message.new")), range(7, 16))
      << "everything missed and everything new, in order, once";
}

// (d) SIGKILL of the node Ana writes through: every message she saw acknowledged is stored and
// reaches Ben by resume on the other node; her retries then complete the rest, once each.
TEST_F(RealtimeChat, KillingANodeLosesNoAcknowledgedMessage) {
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);

  // Ana sends ten messages and sees them acknowledged, then a burst without waiting: node A dies
  // once ten of the burst are acknowledged, with the rest in flight.
  constexpr int kFirst = 10, kMessages = 120;
  auto client_id = [](int i) { return fmt::format("k-{}", i); };
  auto send = [&](int i) {
    auto f = send_frame(client_id(i), fmt::format("message {}", i));
    f["id"] = fmt::format("send-{}", i);
    ana->send_json(f);
  };
  std::map<std::string, std::string> acked;  // client_message_id -> message_id
  auto take_acks = [&](const std::vector<Json>& frames) {
    for (const auto& f : frames)
      if (f.value("type", "") == "ack" && f.contains("message"))
        acked[f["message"]["client_message_id"]] = f["message"]["message_id"];
  };
  for (int i = 1; i <= kFirst; ++i) send(i);
  while (acked.size() < static_cast<std::size_t>(kFirst)) {
    auto f = ana->wait_for("ack");
    ASSERT_TRUE(f) << "acks stopped after " << acked.size();
    take_acks({*f});
  }
  for (int i = kFirst + 1; i <= kMessages; ++i) send(i);
  while (acked.size() < static_cast<std::size_t>(2 * kFirst)) {  // some of the burst is acknowledged too
    auto f = ana->wait_for("ack");
    ASSERT_TRUE(f) << "acks stopped after " << acked.size();
    take_acks({*f});
  }
  a.process->signal(SIGKILL);
  EXPECT_EQ(a.process->wait(10000), 128 + SIGKILL);
  EXPECT_TRUE(ana->wait_closed().has_value()) << "the socket of a killed node ends";
  take_acks(ana->drain(0));
  ASSERT_GE(acked.size(), static_cast<std::size_t>(kFirst));

  // Ben connects to the surviving node and resumes from the start: every acknowledged message is
  // replayed (before the ack), in order, and is in the history.
  auto ben = connect(b, ben_);
  ben->send_json({{"type", "resume"}, {"id", "resume"}, {"conversations", {{conversation_, 0}}}});
  std::vector<Json> replayed;
  Json resumed;
  while (auto f = ben->next_event()) {
    if (f->value("id", "") == "resume") {
      resumed = *f;
      break;
    }
    if (f->value("type", "") == "message.new") replayed.push_back(*f);
  }
  ASSERT_EQ(resumed.value("type", ""), "ack") << resumed.dump();
  EXPECT_EQ(resumed["replayed"], static_cast<int>(replayed.size()));
  auto stored = history(b, ben_);
  EXPECT_EQ(seqs_of(replayed), range(1, static_cast<int>(stored.size()))) << "the whole history, in order, once";
  std::map<std::string, std::string> seen, in_history;
  for (const auto& e : replayed) seen[e["message"]["client_message_id"]] = e["message"]["message_id"];
  for (const auto& m : stored) in_history[m["client_message_id"]] = m["message_id"];
  for (const auto& [cid, mid] : acked) {
    EXPECT_EQ(in_history[cid], mid) << cid << " was acknowledged but is not in the history";
    EXPECT_EQ(seen[cid], mid) << cid << " was acknowledged but the resume did not return it";
  }
  EXPECT_EQ(in_history.size(), stored.size()) << "no message is stored twice";

  // Ana reconnects to node B and sends every unconfirmed frame again (all of them, to be sure).
  auto ana_b = connect(b, ana_);
  for (int i = 1; i <= kMessages; ++i) {
    auto ack = ana_b->request(send_frame(client_id(i), fmt::format("message {}", i)));
    ASSERT_EQ(ack["type"], "ack") << ack.dump();
    if (acked.count(client_id(i))) {
      EXPECT_EQ(ack["created"], false) << client_id(i);
      EXPECT_EQ(ack["message"]["message_id"], acked[client_id(i)]);
    }
  }
  auto all = history(b, ben_);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kMessages)) << "each message once, none lost";
  std::set<std::string> ids;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["seq"], static_cast<int>(i + 1));
    ids.insert(all[i]["client_message_id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kMessages));
}

// (e) Eve, matched with neither, can neither read nor write the conversation, over REST or the
// socket, and none of its events reach her.
namespace {
// How many connections are subscribed to the user's channel (sharded pub/sub).
long long subscribers_of(const std::string& user_id) {
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto r = redis.command({"PUBSUB", "SHARDNUMSUB", "pm:user:" + user_id});
  return r && r->size() == 2 ? r->element(1).integer() : -1;
}
// The events a node has received from Redis (for its users, before any socket filters them): once
// it has `count` more than `from`, whatever was published before them has been through Redis.
constexpr const char* kEventsReceived = "pm_realtime_events_received_total";
bool node_received(std::uint16_t port, long long from, long long count) {
  for (int i = 0; i < 200; ++i) {
    if (test::metric(port, kEventsReceived) >= from + count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}
}  // namespace

// Sharded pub/sub: each user's events go on their own channel, which a node subscribes to from the
// user's first socket there to their last; a node receives no event of a user not connected to it.
TEST_F(RealtimeChat, ANodeReceivesOnlyTheEventsOfItsOwnUsers) {
  Node& a = start_node();
  Node& b = start_node();
  const std::string received = kEventsReceived;
  EXPECT_EQ(subscribers_of(ana_.user.user_id), 0);
  auto ana = connect(a, ana_);
  auto ana_again = connect(a, ana_);
  auto ben = connect(b, ben_);
  EXPECT_EQ(subscribers_of(ana_.user.user_id), 1) << "one subscription per node, however many sockets";
  EXPECT_EQ(subscribers_of(ben_.user.user_id), 1);

  // Typing is for the other one only: Ben's node receives it, Ana's receives nothing.
  const long long a0 = test::metric(a.port, received), b0 = test::metric(b.port, received);
  ASSERT_GE(a0, 0);
  EXPECT_EQ(ana->request(frame("typing"))["type"], "ack");
  ASSERT_TRUE(ben->wait_for("typing"));
  EXPECT_EQ(test::metric(b.port, received), b0 + 1);
  EXPECT_EQ(test::metric(a.port, received), a0) << "node A has no socket of Ben's";

  // Ana's last socket goes: node A unsubscribes, and her events no longer reach it.
  ana->close();
  ana_again->close();
  for (int i = 0; i < 100 && subscribers_of(ana_.user.user_id) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(subscribers_of(ana_.user.user_id), 0);
  const long long b1 = test::metric(b.port, received);
  say(*ben, "b-1", "still there?");
  // (Ben's own socket has the message from its ack; node B receives it for his other devices.)
  ASSERT_TRUE(node_received(b.port, b1, 1)) << "the message's event reached Ben's node";
  EXPECT_EQ(test::metric(a.port, received), a0) << "nobody on node A is in the conversation now";
  auto back = connect(a, ana_);
  EXPECT_EQ(subscribers_of(ana_.user.user_id), 1) << "subscribed again before ready";
  say(*ben, "b-2", "welcome back");
  ASSERT_TRUE(message_new(*back, 2)) << "events published right after ready arrive";
}

// Pipelining: a socket's next frames are read while a send waits for its commit, so a frame behind
// a slow send is answered without waiting for it; the sends of one conversation keep their order.
TEST_F(RealtimeChat, PipelinedFramesDoNotWaitForASendsCommit) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(a, ben_);
  // Someone holds the conversation's row: its sends cannot commit until they let go.
  pqxx::connection holder = db_.connect();
  pqxx::work hold(holder);
  hold.exec_params("SELECT 1 FROM conversations WHERE conversation_id = $1 FOR UPDATE", conversation_);

  Json first = send_frame("p-1", "one"), second = send_frame("p-2", "two"), typing = frame("typing");
  first["id"] = "s1";
  second["id"] = "s2";
  typing["id"] = "t";
  ana->send_json(first);
  ana->send_json(second);
  ana->send_json(typing);
  EXPECT_EQ(ana->answer_to("t")["type"], "ack") << "the typing frame did not wait behind the sends";
  for (const auto& f : ana->drain())
    EXPECT_NE(f.value("id", ""), "s1") << "no send is acked before its commit: " << f.dump();
  hold.abort();

  auto one = ana->answer_to("s1"), two = ana->answer_to("s2");
  ASSERT_EQ(one["type"], "ack") << one.dump();
  ASSERT_EQ(two["type"], "ack") << two.dump();
  EXPECT_EQ(one["message"]["seq"], 1);
  EXPECT_EQ(two["message"]["seq"], 2) << "sent in this order, stored in this order";
  auto got_one = message_new(*ben, 1), got_two = message_new(*ben, 2);
  ASSERT_TRUE(got_one && got_two);
  EXPECT_EQ((*got_one)["message"]["content"], "one");
  EXPECT_EQ((*got_two)["message"]["content"], "two");
}

TEST_F(RealtimeChat, AThirdUserCanNeitherReadNorSend) {
  Person eve = person("Eve", "woman", "man", 52.50, 13.41);
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(b, ben_);
  auto eve_ws = connect(a, eve);
  Json hello = say(*ana, "e-1", "Just us");
  ASSERT_TRUE(message_new(*ben, 1));

  for (const char* type : {"message.send", "read", "typing"}) {
    Json f = type == std::string("message.send") ? send_frame("eve-1", "let me in") : frame(type);
    auto answer = eve_ws->request(f);
    EXPECT_EQ(answer["type"], "error") << type << ": " << answer.dump();
    EXPECT_EQ(answer["problem"].value("status", 0), 404) << type << ": " << answer.dump();
  }
  auto resumed = eve_ws->request({{"type", "resume"}, {"conversations", {{conversation_, 0}}}});
  EXPECT_TRUE(resumed["type"] == "error" || resumed.value("replayed", -1) == 0) << resumed.dump();

  const std::string messages = "/api/v1/conversations/" + conversation_ + "/messages";
  EXPECT_EQ(rest(b, eve, "GET", messages).status, 404);
  EXPECT_EQ(rest(b, eve, "GET", messages + "?after=0").status, 404);
  EXPECT_EQ(rest(b, eve, "POST", messages, {{"client_message_id", "eve-2"}, {"content", "hello?"}}).status, 404);
  EXPECT_EQ(rest(b, eve, "POST", "/api/v1/conversations/" + conversation_ + "/read").status, 404);
  EXPECT_EQ(rest(b, eve, "POST", "/api/v1/messages/" + hello["message_id"].get<std::string>() + "/reactions",
                 {{"emoji", kHeart}})
                .status,
            404);

  // The two go on talking; Eve's socket (on Ana's node) hears nothing of it.
  ASSERT_EQ(ben->request(frame("typing"))["type"], "ack");
  say(*ben, "e-2", "Yes, just us");
  ASSERT_EQ(rest(b, ben_, "POST", "/api/v1/messages/" + hello["message_id"].get<std::string>() + "/reactions",
                 {{"emoji", kHeart}})
                .status,
            200);
  ASSERT_TRUE(message_new(*ana, 2));
  ASSERT_TRUE(ana->wait_for("reaction"));
  auto leaked = eve_ws->drain(500);
  EXPECT_TRUE(leaked.empty()) << "events leaked to a third user: " << Json(leaked).dump();
  EXPECT_EQ(history(a, ana_).size(), 2u) << "nothing of Eve's was stored";
  EXPECT_FALSE(ben->wait_for("typing", 300, [&](const Json& e) { return e.value("user_id", "") == eve.user.user_id; }));
}

// (f) Sockets authenticate with the session token, in the header or as the first frame; anything
// else gets an error and a 1008 close, and a plain GET is 426. Tokens are never logged.
TEST_F(Realtime, SocketsAuthenticateWithTheSessionToken) {
  Node& a = start_node("debug");
  const std::string bad_token = ana_.user.user_id + ".not-the-real-secret-" + std::string(40, 'x');

  {
    WsClient ws(a.port, bad_token);
    expect_unauthenticated(ws, "a bad token in the header");
  }
  {
    WsClient ws(a.port);
    ws.send_json({{"type", "auth"}, {"token", bad_token}});
    expect_unauthenticated(ws, "a bad token as the first frame");
  }
  {
    WsClient ws(a.port);
    ws.send_json({{"type", "typing"}, {"id", "t-1"}, {"conversation_id", match_}});
    expect_unauthenticated(ws, "no token at all: the first frame is something else");
  }
  {  // the token as the first frame (browsers): a working socket
    WsClient ws(a.port);
    ws.send_json({{"type", "auth"}, {"token", ana_.user.token}});
    auto ready = ws.wait_for("ready");
    ASSERT_TRUE(ready) << "no ready after an auth frame";
    EXPECT_EQ((*ready)["user_id"], ana_.user.user_id);
    EXPECT_FALSE((*ready).value("node", "").empty());
    open_conversation();
    auto ack = ws.request(send_frame("auth-frame-1", "it works"));
    EXPECT_EQ(ack["type"], "ack") << ack.dump();
    EXPECT_TRUE(ws.is_open());
  }
  {  // the header
    auto ben = connect(a, ben_);
    EXPECT_TRUE(ben->is_open());
  }

  auto plain = test::http(a.port, "GET", "/api/v1/ws", "", ana_.user.auth());
  EXPECT_EQ(plain.status, 426) << plain.body;
  EXPECT_NE(plain.header("content-type").find("application/problem+json"), std::string::npos)
      << plain.header("content-type");
  EXPECT_EQ(plain.json().value("status", 0), 426) << plain.body;
  EXPECT_NE(plain.header("upgrade").find("websocket"), std::string::npos) << "a 426 names the protocol to upgrade to";

  auto log = a.log_text();
  EXPECT_FALSE(log.empty()) << "the node logged at debug level";
  for (const std::string& secret : {ana_.user.token, ben_.user.token, bad_token})
    EXPECT_EQ(log.find(secret.substr(secret.find('.') + 1)), std::string::npos) << "a token was logged";
}

// A session that ends (sign-out, sign-out everywhere, a password change, account deletion) closes
// the sockets it opened, on every node, and only those.
TEST_F(Realtime, EndingASessionClosesItsSocketsOnEveryNode) {
  Node& a = start_node();
  Node& b = start_node();
  auto second_session = [&](const Person& p) {
    auto in = test::http(a.port, "POST", "/api/v1/auth/login",
                         Json{{"email", p.user.email}, {"password", p.user.password}}.dump(),
                         {{"X-Forwarded-For", test::unique_client_ip()}});
    EXPECT_EQ(in.status, 200) << in.body;
    Person device = p;
    device.user.token = in.json().value("token", "");
    return device;
  };
  const Person ana_phone = second_session(ana_);
  auto laptop = connect(a, ana_);
  auto phone = connect(b, ana_phone);
  auto ben = connect(b, ben_);

  ASSERT_EQ(rest(a, ana_, "POST", "/api/v1/auth/logout").status, 204);
  EXPECT_EQ(laptop->wait_closed(), 1008) << "the signed-out session's socket closes";
  EXPECT_TRUE(phone->is_open()) << "another session of the same user stays";
  EXPECT_TRUE(ben->is_open());

  const Person ana_tablet = second_session(ana_);
  auto tablet = connect(a, ana_tablet);
  auto changed = rest(b, ana_phone, "POST", "/api/v1/me/password",
                      Json{{"current_password", ana_.user.password}, {"new_password", "a brand new passphrase"}});
  ASSERT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(tablet->wait_closed(), 1008) << "a password change closes the other sessions' sockets, on another node";
  EXPECT_TRUE(phone->is_open()) << "the session that changed it stays";

  ASSERT_EQ(rest(a, ana_phone, "POST", "/api/v1/auth/logout-all").status, 204);
  EXPECT_EQ(phone->wait_closed(), 1008);

  ASSERT_EQ(rest(a, ben_, "DELETE", "/api/v1/me").status, 204);
  EXPECT_EQ(ben->wait_closed(), 1008) << "a deleted account's sockets close";
}

// A session that ended before its socket's node listened for the user's events (or while this
// node still trusts the token: its session cache) never gets a ready socket: the socket asks Redis
// once more after subscribing. Here the sign-out is announced while the node holds no socket of
// the user (so it hears nothing) and the node's cache trusts the token for a minute.
TEST_F(Realtime, ASessionEndedBeforeTheSocketListenedGetsNoReadySocket) {
  Node& a = start_node("warn", {{"PM_SESSION_CACHE_MS", "60000"}});
  auto in = test::http(a.port, "POST", "/api/v1/auth/login",
                       Json{{"email", ana_.user.email}, {"password", ana_.user.password}}.dump(),
                       {{"X-Forwarded-For", test::unique_client_ip()}});
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string token = in.json().value("token", "");
  const auto auth = test::Headers{{"Authorization", "Bearer " + token}};
  ASSERT_EQ(test::http(a.port, "GET", "/api/v1/me", "", auth).status, 200);  // node a now trusts it

  auto ended = server_->app().sessions.end({.user_id = ana_.user.id(), .session_id = crypto::sha256_hex(token)});
  ASSERT_TRUE(ended) << ended.error().detail;
  ASSERT_EQ(test::http(a.port, "GET", "/api/v1/me", "", auth).status, 200)
      << "precondition: node a's session cache still trusts the ended session";

  WsClient ws(a.port, token);
  expect_unauthenticated(ws, "a socket of an ended session");

  auto live = connect(a, ana_);  // her other session's socket is ready as ever
  EXPECT_TRUE(live->is_open());
}

// A session that expires tells nobody: a socket opened just before it would have lived on for as
// long as its pings kept it open. It asks now and then, and closes once the session is gone.
TEST_F(Realtime, ASocketClosesWhenItsSessionExpires) {
  Node& a = start_node("warn", {{"PM_WS_SESSION_RECHECK_MS", "200"}});
  auto ana = connect(a, ana_);
  auto ben = connect(a, ben_);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(ana->is_open()) << "a session in force keeps its socket through the re-checks";

  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  const std::string key = "sessions:" + ana_.user.user_id, id = crypto::sha256_hex(ana_.user.token);
  auto stored = redis.command({"HGET", key, id});
  ASSERT_TRUE(stored && !stored->is_nil());
  Json expired = Json::parse(stored->str());
  expired["expires_at"] = 1;  // idle past its expiry, found at its next use
  ASSERT_TRUE(redis.command({"HSET", key, id, expired.dump()}));
  EXPECT_EQ(ana->wait_closed(), 1008) << "the socket outlived its session";
  EXPECT_TRUE(ben->is_open());
}

// A socket cannot be made to do unbounded work: a resume replays at most half a send queue's worth
// (and says where to go on; the other half is for live events meanwhile), typing reaches the other at most every 2 s, a
// flood of frames is refused, and a user has a bounded number of sockets.
TEST_F(RealtimeChat, ASocketsWorkIsBoundedWhateverTheClientSends) {
  Node& a =
      start_node("warn", {{"PM_WS_SEND_QUEUE", "8"}, {"PM_WS_FRAMES_PER_10S", "40"}, {"PM_WS_SOCKETS_PER_USER", "2"}});
  auto ana = connect(a, ana_);
  // Ben's channel, listened to before Ana sends (his events are published whether or not he has a
  // socket).
  cache::Subscriber bens_channel(cache::RedisOptions{.url = test::redis_url()});
  ASSERT_TRUE(bens_channel.connect());
  ASSERT_TRUE(bens_channel.command({{"SSUBSCRIBE", std::string(realtime::Hub::kChannelPrefix) + ben_.user.user_id}}));
  ASSERT_TRUE(bens_channel.next()) << "no confirmation of the subscription";
  const long long received = test::metric(a.port, kEventsReceived);
  Json last;
  for (int i = 1; i <= 12; ++i) last = say(*ana, "r" + std::to_string(i), "message " + std::to_string(i));
  // Every one has been published (node A has received Ana's copies, published with Ben's), and
  // the deferred step has recorded Ben's notification of the last one and announced it, before
  // Ben connects: a late live frame on top of a full replay would overflow his queue of 8. (Seen
  // recorded is not enough: it is announced after its commit.)
  ASSERT_TRUE(node_received(a.port, received, 12));
  EXPECT_TRUE(ana->drain().empty()) << "the sending socket has its messages from the acks alone";
  const std::string last_id = last.value("message_id", "");
  auto announced = std::async(std::launch::async, [&] {
    while (auto push = bens_channel.next())
      if (push->payload.find("notification.new") != std::string::npos &&
          push->payload.find(last_id) != std::string::npos)
        return true;
    return false;  // interrupted
  });
  if (announced.wait_for(std::chrono::seconds(10)) != std::future_status::ready) bens_channel.interrupt();
  ASSERT_TRUE(announced.get()) << "Ben's notification of the last message was never announced";

  auto ben = connect(a, ben_);
  {
    // A live event comes while the replay is read (the replay's read waits on a lock this test
    // holds; Ana's typing does not read messages): it is held until the resume is answered.
    auto conn = db_.connect();
    pqxx::work lock(conn);
    lock.exec("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
    ben->send_json({{"type", "resume"}, {"id", "resume-1"}, {"conversations", {{conversation_, 0}}}});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(ana->request(frame("typing"))["type"], "ack");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    lock.abort();
  }
  // (Ana's next typing, below, is news again at once: her 2 s window is reset.)
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  ASSERT_TRUE(redis.command({"DEL", "typing:" + ana_.user.user_id + ":" + conversation_}));
  auto first = ben->answer_to("resume-1");
  ASSERT_EQ(first["type"], "ack") << first.dump();
  EXPECT_EQ(first["replayed"], 4) << "at most half the send queue: the other half is for live events meanwhile";
  EXPECT_EQ(first["more"], true);
  EXPECT_EQ(first["resume_from"][conversation_], 4);
  const auto after_first = ben->drain();
  EXPECT_EQ(seqs_of(of_type(after_first, "message.new")), range(1, 4));
  EXPECT_EQ(of_type(after_first, "typing").size(), 1u) << "the event held during the replay is delivered";
  EXPECT_TRUE(ben->is_open()) << "a client that reads is not cut off as slow for what came during its resume";
  auto second_page = ben->request({{"type", "resume"}, {"conversations", first["resume_from"]}});
  EXPECT_EQ(second_page["replayed"], 4);
  EXPECT_EQ(second_page["more"], true);
  EXPECT_EQ(seqs_of(of_type(ben->drain(), "message.new")), range(5, 8));
  auto rest = ben->request({{"type", "resume"}, {"conversations", second_page["resume_from"]}});
  EXPECT_EQ(rest["replayed"], 4);
  EXPECT_EQ(rest["more"], false);
  EXPECT_EQ(seqs_of(of_type(ben->drain(), "message.new")), range(9, 12));

  // Five key presses at once (well within the 2 s), then their acks.
  for (int i = 0; i < 5; ++i) {
    Json typing = frame("typing");
    typing["id"] = "t" + std::to_string(i);
    ana->send_json(typing);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ana->answer_to("t" + std::to_string(i))["type"], "ack");
  EXPECT_TRUE(ben->wait_for("typing")) << "no typing event";
  EXPECT_TRUE(of_type(ben->drain(), "typing").empty()) << "five key presses, one typing event";

  // A fresh socket: 40 frames fit its 10 s budget, the 41st is refused, not handled.
  auto second = connect(a, ana_);
  for (int i = 0; i < 40; ++i) {
    Json read = frame("read");
    read["id"] = "f" + std::to_string(i);
    second->send_json(read);
  }
  second->send_json(send_frame("over-budget", "not stored"));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(second->answer_to("f" + std::to_string(i))["type"], "ack") << i;
  auto refused = second->wait_for("error");
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["problem"]["status"], 429) << refused->dump();
  EXPECT_TRUE(second->is_open()) << "refused, not cut off";
  EXPECT_EQ(history(a, ben_).size(), 12u) << "the refused frame was not handled";

  WsClient third(a.port, ana_.user.token);
  auto error = third.next_event();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)["problem"]["status"], 429) << error->dump();
  EXPECT_EQ(third.wait_closed(), 1013) << "a third socket of the same user is refused";
  EXPECT_TRUE(ben->is_open());

  // A flood past twice the budget, never read: closed, not queued an answer each without end.
  // The server may close it mid-flood (its close cancels the write under way), so stop there.
  for (int sent = 0; sent < 200 && second->send_unless_closed("{}");) ++sent;
  EXPECT_EQ(second->wait_closed(), 1008) << "a socket flooding frames is closed";
  EXPECT_TRUE(ana->is_open()) << "the same user's other socket is not";
}

// A resume reads a page of history for each conversation it names (up to 200): it counted as one
// frame, so one socket's resumes could ask for thousands of reads a second. Now one frame more per
// ten conversations: three resumes of 100 (11 each) fit a budget of 40, a fourth does not; the
// refused one counts once, so a plain frame still fits after it.
TEST_F(RealtimeChat, AResumeCostsTheFrameBudgetByTheConversationsItNames) {
  Node& a = start_node("warn", {{"PM_WS_FRAMES_PER_10S", "40"}});
  auto ana = connect(a, ana_);
  Json named = Json::object();
  for (int i = 0; i < 100; ++i) named[fmt::format("00000000-0000-4000-8000-{:012}", i)] = 0;
  for (int i = 1; i <= 4; ++i)
    ana->send_json({{"type", "resume"}, {"id", fmt::format("r{}", i)}, {"conversations", named}});
  std::vector<std::string> answers;
  for (const auto& f : ana->drain(1500))
    answers.push_back(f.value("type", "") == "ack" ? f.value("id", "")
                                                   : f.value("type", "") + " " + f["problem"].value("type", ""));
  EXPECT_EQ(answers, (std::vector<std::string>{"r1", "r2", "r3", "error /problems/rate-limited"}));
  EXPECT_EQ(ana->request(frame("typing"))["type"], "ack") << "33 + 1 refused + 1 fit the 40";
}

// A resume names each conversation once: the same id in other letter cases was replayed (and read
// from PostgreSQL) once per spelling, past the socket's memory of what it had sent.
TEST_F(RealtimeChat, AResumeNamesEachConversationOnceWhateverItsSpelling) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  say(*ana, "c1", "one");
  std::string upper = conversation_;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  ASSERT_NE(upper, conversation_);

  auto ben = connect(a, ben_);
  auto twice = ben->request({{"type", "resume"}, {"conversations", {{conversation_, 0}, {upper, 0}}}});
  EXPECT_EQ(twice["type"], "error") << twice.dump();
  EXPECT_EQ(twice["problem"].value("status", 0), 400) << twice.dump();

  auto once = ben->request({{"type", "resume"}, {"conversations", {{upper, 0}}}});
  ASSERT_EQ(once["type"], "ack") << once.dump();
  EXPECT_EQ(once["replayed"], 1);
  const auto replayed = of_type(ben->drain(), "message.new");
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0]["conversation_id"], conversation_) << "by its canonical id";
}

// A retry (a client id sent again) is never refused nor budgeted, and was published to the other
// person each time: once a socket remembered 512 newer messages, an old one's copies all got
// through, so re-sending it in a loop flooded every device of the other. A retry reaches the other
// only for one of the conversation's 256 newest messages (the node that stored it may have died
// before publishing it); an older one, the sender's devices only.
TEST_F(RealtimeChat, RetryingAnOldMessageReachesOnlyTheSender) {
  Node& a = start_node();
  const std::string path = "/api/v1/conversations/" + conversation_ + "/messages";
  auto body = [](int i) {
    return Json{{"client_message_id", fmt::format("m{}", i)}, {"content", fmt::format("n{}", i)}};
  };
  for (int i = 1; i <= 300; ++i) ASSERT_EQ(rest(a, ana_, "POST", path, body(i)).status, 201) << i;
  auto ben = connect(a, ben_);  // a device that remembers none of them
  auto ana = connect(a, ana_);

  auto old = rest(a, ana_, "POST", path, body(1));
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_FALSE(message_new(*ben, 1, 1500)) << "an old message's retry reached the other";
  EXPECT_TRUE(message_new(*ana, 1)) << "the sender's devices hear of it";
  auto recent = rest(a, ana_, "POST", path, body(300));
  ASSERT_EQ(recent.status, 200) << recent.body;
  EXPECT_TRUE(message_new(*ben, 300)) << "a recent message's retry still reaches the other";
}

// A conversation the user can no longer read (the other deleted their account: the conversation is
// gone; or blocked them) failed the whole resume with a 404, so every later reconnect replayed
// nothing of the others. Now it is named in `gone` and the rest are replayed.
TEST_F(RealtimeChat, AResumeReplaysTheConversationsStillReadableAndNamesTheGoneOnes) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  say(*ana, "g1", "still here");
  const std::string deleted = "0d6f4b43-5b1e-4f5e-9b7a-2f1c3c4d5e6f";  // a conversation that no longer exists

  auto ben = connect(a, ben_);
  auto resumed = ben->request({{"type", "resume"}, {"conversations", {{conversation_, 0}, {deleted, 5}}}});
  ASSERT_EQ(resumed["type"], "ack") << resumed.dump();
  EXPECT_EQ(resumed["replayed"], 1) << "Ana's conversation is replayed";
  EXPECT_EQ(resumed["gone"], Json::array({deleted}));
  EXPECT_EQ(resumed["resume_from"], Json({{conversation_, 1}}));
  const auto replayed = of_type(ben->drain(), "message.new");
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0]["message"]["content"], "still here");

  // A malformed resume is still an error.
  auto bad = ben->request({{"type", "resume"}, {"conversations", {{conversation_, -1}}}});
  EXPECT_EQ(bad["type"], "error") << bad.dump();
}

// A frame over 64 KiB closes the socket with 1009; a malformed frame is only an error.
TEST_F(RealtimeChat, OversizedFramesCloseTheSocketMalformedOnesAreErrors) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  ana->send_text("not json");
  auto error = ana->next_event();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)["type"], "error") << error->dump();
  EXPECT_EQ((*error)["problem"].value("status", 0), 400) << error->dump();
  auto unknown = ana->request({{"type", "teleport"}});
  EXPECT_EQ(unknown["type"], "error") << unknown.dump();
  EXPECT_EQ(ana->request(send_frame("ok-1", "still here"))["type"], "ack");

  ana->send_unless_closed(send_frame("big", std::string(70 * 1024, 'x')).dump());  // it may close mid-write
  EXPECT_EQ(ana->wait_closed(), 1009);
  EXPECT_EQ(history(a, ana_).size(), 1u) << "the oversized message was not stored";
}

// A member of the wrong JSON type, before or after the socket signed in, is refused like any bad
// frame; none ends the node (one `{"type": null}` before the auth frame once did).
TEST_F(RealtimeChat, FramesWithMembersOfTheWrongTypeAreRefusedAndTheNodeStaysUp) {
  Node& a = start_node();
  for (const Json& first : {Json{{"type", nullptr}}, Json{{"type", 1}}, Json{{"type", Json::array({"auth"})}},
                            Json{{"type", Json::object()}}, Json{{"type", "auth"}, {"token", 5}}}) {
    WsClient ws(a.port);
    ws.send_json(first);
    EXPECT_EQ(ws.wait_closed(), 1008) << first.dump();
  }
  auto ana = connect(a, ana_);
  for (const Json& frame : {Json{{"id", "r-1"}, {"type", Json::array({"resume"})}},
                            Json{{"id", "r-2"}, {"type", nullptr}, {"conversations", Json::object()}},
                            Json{{"id", "t-1"}, {"type", "typing"}, {"conversation_id", 5}},
                            Json{{"id", "t-2"}, {"type", "read"}, {"conversation_id", nullptr}},
                            Json{{"id", "t-3"},
                                 {"type", "message.send"},
                                 {"conversation_id", Json::array()},
                                 {"client_message_id", "x"},
                                 {"content", "hi"}}}) {
    auto answer = ana->request(frame);
    EXPECT_EQ(answer["type"], "error") << frame.dump() << " -> " << answer.dump();
    EXPECT_EQ(answer["problem"].value("status", 0) / 100, 4) << frame.dump() << " -> " << answer.dump();
  }
  EXPECT_EQ(test::http(a.port, "GET", "/healthz").status, 200) << "the node is still up";
  EXPECT_EQ(ana->request(send_frame("after-1", "still here"))["type"], "ack");
}

// (g) When the second of them likes, both hear of their match live; a message then raises a
// notification.new for the one it is for.
TEST_F(Realtime, BothHearOfTheirMatchLive) {
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(b, ben_);

  // Ana likes first: Ben is told someone liked him.
  ASSERT_EQ(rest(a, ana_, "POST", "/api/v1/matches/" + match_ + "/like").status, 200);
  auto like = ben->wait_for("notification.new", WsClient::kWaitMs,
                            [](const Json& e) { return e["notification"].value("type", "") == "like.received"; });
  ASSERT_TRUE(like) << "notification.new (like.received) did not arrive";
  EXPECT_EQ((*like)["notification"]["content"], Json::object()) << "who liked him is for who_liked_me plans";
  EXPECT_FALSE(ana->wait_for("match.new", WsClient::kQuietMs)) << "one like is not a match";

  // Ben likes back (on the other node): both hear of the match, as match.new and notification.new.
  auto liked = rest(b, ben_, "POST", "/api/v1/matches/" + match_ + "/like");
  ASSERT_EQ(liked.status, 200) << liked.body;
  conversation_ = liked.json()["conversation_id"];
  for (auto [ws, other] : {std::pair{ana.get(), &ben_}, {ben.get(), &ana_}}) {
    auto event = ws->wait_for("match.new");
    ASSERT_TRUE(event) << "match.new did not arrive";
    const Json& n = (*event)["notification"];
    EXPECT_EQ(n["type"], "match.new") << event->dump();
    EXPECT_EQ(n["content"]["match_id"], match_);
    EXPECT_EQ(n["content"]["conversation_id"], conversation_);
    EXPECT_EQ(n["content"]["user_id"], other->user.user_id);
    auto note = ws->wait_for("notification.new", WsClient::kWaitMs,
                             [](const Json& e) { return e["notification"].value("type", "") == "match.new"; });
    ASSERT_TRUE(note) << "notification.new (match.new) did not arrive";
    EXPECT_EQ((*note)["notification"]["notification_id"], n["notification_id"]);
  }

  Json hello = say(*ana, "g-1", "We matched!");
  auto note = ben->wait_for("notification.new", WsClient::kWaitMs,
                            [](const Json& e) { return e["notification"].value("type", "") == "message.new"; });
  ASSERT_TRUE(note) << "notification.new for the message did not arrive";
  EXPECT_EQ((*note)["notification"]["content"]["conversation_id"], conversation_);
  EXPECT_EQ((*note)["notification"]["content"]["message_id"], hello["message_id"]);
  EXPECT_EQ((*note)["notification"]["is_read"], false);
  auto listed = rest(b, ben_, "GET", "/api/v1/notifications");
  ASSERT_EQ(listed.status, 200);
  bool found = false;
  const Json page = listed.json();
  for (const auto& n : page["notifications"])
    found = found || n["notification_id"] == (*note)["notification"]["notification_id"];
  EXPECT_TRUE(found) << "the pushed notification is the listed one: " << note->dump() << "\nlisted: " << listed.body;
}

// A read committing while the reader blocks the other: its receipt reaches the blocked person
// before the close, never after. Before, the read took no lock on the conversation, the block's
// close did not wait for it, and "Ben read your messages" came after "conversation closed".
TEST_F(RealtimeChat, AReadRacingABlockReachesTheOtherBeforeTheCloseNeverAfter) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(a, ben_);
  say(*ana, "r-1", "Coffee on Sunday?");
  ASSERT_TRUE(message_new(*ben, 1));
  ana->drain();
  db_.slow_down("messages", "AFTER UPDATE", 0.8);  // the read's mark: the block comes while it runs
  test::HttpResult read;
  std::thread reader([&] { read = rest(a, ben_, "POST", "/api/v1/conversations/" + conversation_ + "/read", {}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto blocked = rest(a, ben_, "POST", "/api/v1/users/" + ana_.user.user_id + "/block", {});
  reader.join();
  ASSERT_EQ(blocked.status / 100, 2) << blocked.body;
  ASSERT_EQ(read.status, 200) << read.body;
  std::vector<std::string> order;  // what reached Ana, in order
  const auto anas = ana->drain(1500);
  for (const auto& e : anas) order.push_back(e.value("type", ""));
  const auto closed = std::find(order.begin(), order.end(), "conversation.closed");
  ASSERT_NE(closed, order.end()) << "the block closed the conversation";
  EXPECT_EQ(anas[closed - order.begin()]["reason"], "unmatched") << "the blocked person is not told of the block";
  auto bens = ben->wait_for("conversation.closed");
  ASSERT_TRUE(bens);
  EXPECT_EQ((*bens)["reason"], "blocked") << "the blocker's own devices say what he did";
  EXPECT_EQ(std::find(closed, order.end(), "message.read"), order.end())
      << "a receipt reached Ana after the close: " << fmt::format("{}", fmt::join(order, ", "));
}

// A deletion waiting for its conversation while the other ends the match: once the unmatch has
// committed, he hears nothing more of her (told_of; a block the same). Before, the deletion decided
// whom to tell from the conversation as it read it before waiting, and Ben heard "message deleted"
// after he had unmatched (or blocked) her.
TEST_F(RealtimeChat, ADeletionThatWaitedThroughAnUnmatchIsNotToldToTheOther) {
  Node& a = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(a, ben_);
  Json hello = say(*ana, "d-1", "Coffee on Sunday?");
  ASSERT_TRUE(message_new(*ben, 1));
  // Holding the conversation the way a notification drain does: the deletion (and the unmatch's
  // close) wait for it, while the unmatch itself commits.
  auto holder_conn = db_.connect();
  pqxx::work holder(holder_conn);
  holder.exec_params("SELECT 1 FROM conversations WHERE conversation_id = $1 FOR KEY SHARE", conversation_);
  test::HttpResult deleted, unmatched;
  std::thread deleter(
      [&] { deleted = rest(a, ana_, "DELETE", "/api/v1/messages/" + hello["message_id"].get<std::string>()); });
  const bool deletion_waits = test::eventually(
      [&] { return db_.statement_waits_for_a_lock("%FROM conversations WHERE conversation_id%FOR UPDATE%"); });
  std::thread unmatcher([&] { unmatched = rest(a, ben_, "POST", "/api/v1/matches/" + match_ + "/unmatch"); });
  // The unmatch committed once its close waits too (the close runs after it, on its own).
  const bool close_waits = test::eventually([&] { return db_.statement_waits_for_a_lock("%closed_at IS NULL%"); });
  holder.commit();
  deleter.join();
  unmatcher.join();
  ASSERT_TRUE(deletion_waits) << "the deletion waited for the conversation";
  ASSERT_TRUE(close_waits) << "the unmatch committed while the deletion waited";
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  ASSERT_EQ(unmatched.status / 100, 2) << unmatched.body;
  ASSERT_TRUE(ben->wait_for("conversation.closed"));
  EXPECT_TRUE(of_type(ben->drain(1000), "message.deleted").empty()) << "Ben heard of Ana after his unmatch";
  EXPECT_TRUE(ana->wait_for("message.deleted")) << "her own devices are told";
}

// (h) An unmatch closes the conversation for both, live; sends then fail with 409.
TEST_F(RealtimeChat, UnmatchClosesTheConversationForBoth) {
  Node& a = start_node();
  Node& b = start_node();
  auto ana = connect(a, ana_);
  auto ben = connect(b, ben_);
  say(*ana, "h-1", "See you Friday?");
  ASSERT_TRUE(message_new(*ben, 1));

  auto unmatched = rest(b, ben_, "POST", "/api/v1/matches/" + match_ + "/unmatch");
  ASSERT_EQ(unmatched.status / 100, 2) << unmatched.body;
  for (WsClient* ws : {ana.get(), ben.get()}) {
    auto closed = ws->wait_for("conversation.closed");
    ASSERT_TRUE(closed) << "conversation.closed did not arrive";
    EXPECT_EQ((*closed)["conversation_id"], conversation_);
    EXPECT_EQ((*closed)["reason"], "unmatched");
  }

  auto refused = ana->request(send_frame("h-2", "Hello?"));
  EXPECT_EQ(refused["type"], "error") << refused.dump();
  EXPECT_EQ(refused["problem"].value("status", 0), 409) << refused.dump();
  EXPECT_EQ(refused["problem"].value("type", ""), "/problems/conversation-closed") << refused.dump();
  auto rest_refused = rest(b, ben_, "POST", "/api/v1/conversations/" + conversation_ + "/messages",
                           {{"client_message_id", "h-3"}, {"content", "Wait"}});
  EXPECT_EQ(rest_refused.status, 409) << rest_refused.body;
  EXPECT_TRUE(of_type(ben->drain(), "message.new").empty()) << "nothing was sent after the close";
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE conversation_id = $1", conversation_), 1);
}

namespace {
// Sockets with a short send queue, on the in-process server.
class RealtimeSlowReader : public RealtimeChat {
 protected:
  void configure(Config& config) override {
    RealtimeChat::configure(config);
    config.ws_send_queue = 8;
  }
};

// Frames without a budget, so only the unwritten answers can hold a client back.
class RealtimeUnreadAnswers : public RealtimeChat {
 protected:
  void configure(Config& config) override {
    RealtimeChat::configure(config);
    config.ws_frames_per_10s = 1000000;
  }
};
}  // namespace

// A client sending within its budget and never reading had every answer queued in the server's
// memory, without end (a retry of a long message is answered with the whole message, ~16 KB). Its
// unwritten answers now count as frames in flight: past frames_in_flight the server stops reading
// it, so its frames wait in TCP, and a frame sent after the flood is not even read.
TEST_F(RealtimeUnreadAnswers, AClientThatReadsNoAnswersIsNoLongerRead) {
  namespace asio = boost::asio;
  namespace websocket = boost::beast::websocket;
  std::string words;
  for (int i = 0; i < 4000; ++i) words += "\xF0\x9F\x98\x80";  // 4,000 emoji: 16 KB
  auto stored = server_->request("POST", "/api/v1/conversations/" + conversation_ + "/messages",
                                 Json{{"client_message_id", "long"}, {"content", words}}.dump(), ana_.user.auth());
  ASSERT_EQ(stored.status, 201) << stored.body;

  // A raw client with a small receive buffer that writes and never reads.
  asio::io_context io;
  asio::ip::tcp::socket tcp(io);
  tcp.open(asio::ip::tcp::v4());
  tcp.set_option(asio::socket_base::receive_buffer_size(4096));
  tcp.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  websocket::stream<asio::ip::tcp::socket> ws(std::move(tcp));
  const std::string token = ana_.user.token;
  ws.set_option(websocket::stream_base::decorator(
      [token](websocket::request_type& req) { req.set(boost::beast::http::field::authorization, "Bearer " + token); }));
  ws.handshake("127.0.0.1", "/api/v1/ws");
  ws.text(true);
  const int native = ws.next_layer().native_handle();

  constexpr int kRetries = 2000;
  std::atomic<int> sent{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    boost::system::error_code ec;
    Json retry = send_frame("long", words);
    for (int i = 0; i < kRetries && !ec; ++i) {
      retry["id"] = fmt::format("r{}", i);
      ws.write(asio::buffer(retry.dump()), ec);
      if (!ec) ++sent;
    }
    Json after = send_frame("after", "sent after the flood");
    after["id"] = "after";
    if (!ec) ws.write(asio::buffer(after.dump()), ec);
    done = true;
  });
  // Until the writer is done or has stopped getting anywhere for 3 s.
  for (int last = -1, still = 0; !done && still < 6; std::this_thread::sleep_for(std::chrono::milliseconds(500))) {
    still = sent == last ? still + 1 : 0;
    last = sent;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto all = server_->request("GET", "/api/v1/conversations/" + conversation_ + "/messages?after=0&limit=200", "",
                              ben_.user.auth());
  ASSERT_EQ(all.status, 200) << all.body;
  const Json messages = all.json()["messages"];
  bool read_after = false;
  for (const auto& m : messages) read_after = read_after || m.value("content", "") == "sent after the flood";
  EXPECT_FALSE(read_after) << "the server went on reading a client that reads nothing (" << sent << " frames taken)";

  ::shutdown(native, SHUT_RDWR);  // ends the blocked write too
  writer.join();
  // The node serves everyone else as before.
  auto ben = std::make_unique<WsClient>(server_->port(), ben_.user.token);
  ASSERT_TRUE(ben->wait_for("ready"));
  EXPECT_EQ(ben->request(frame("typing"))["type"], "ack");
}

// A socket whose reader stopped is cut off once its queue is full; Ana's other device, which
// reads, gets every message, once, in order; the server's memory for the stalled one is bounded.
// Live events that come while a resume is answered wait for its answer; they were held without
// bound, outside the send queue's limit. More than the send queue holds cut the socket off as a
// slow reader at once, not once the resume is answered.
TEST_F(RealtimeSlowReader, LiveEventsHeldDuringAResumeAreBoundedByTheSendQueue) {
  const std::uint16_t port = server_->port();
  auto ana = std::make_unique<WsClient>(port, ana_.user.token);
  ASSERT_TRUE(ana->wait_for("ready"));
  auto ben = std::make_unique<WsClient>(port, ben_.user.token);
  ASSERT_TRUE(ben->wait_for("ready"));
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  auto conn = db_.connect();
  pqxx::work lock(conn);
  lock.exec("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");  // Ben's resume waits for its replay
  ben->send_json({{"type", "resume"}, {"id", "held"}, {"conversations", {{conversation_, 0}}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 9; ++i) {  // nine live events for Ben (typing does not read messages)
    ASSERT_TRUE(redis.command({"DEL", "typing:" + ana_.user.user_id + ":" + conversation_}));
    ASSERT_EQ(ana->request(frame("typing"))["type"], "ack");
  }
  EXPECT_TRUE(ben->wait_closed(3000)) << "nine events held for a queue of eight";
  lock.abort();
}

TEST_F(RealtimeSlowReader, AStalledReaderIsDisconnectedAndSlowsNobody) {
  const std::uint16_t port = server_->port();
  auto stalled = std::make_unique<WsClient>(port, ana_.user.token);
  ASSERT_TRUE(stalled->wait_for("ready"));
  auto phone = std::make_unique<WsClient>(port, ana_.user.token);
  ASSERT_TRUE(phone->wait_for("ready"));

  // ~7 MB of events: more than the kernel buffers of the stalled socket hold.
  const std::string text(3500, 'x');
  constexpr int kMessages = 2000;
  std::vector<Json> received;
  for (int i = 1; i <= kMessages; ++i) {
    Json body = {{"client_message_id", fmt::format("slow-{}", i)}, {"content", text}};
    auto sent =
        server_->request("POST", "/api/v1/conversations/" + conversation_ + "/messages", body.dump(), ben_.user.auth());
    ASSERT_EQ(sent.status, 201) << sent.body;
    if (i % 50 == 0)
      for (auto& e : phone->drain(20)) received.push_back(std::move(e));
  }
  // The last send's event is published after its answer: waited for, then whatever came before it.
  auto final_one =
      phone->wait_for("message.new", 10000, [&](const Json& e) { return e["message"].value("seq", 0) == kMessages; });
  for (auto& e : phone->drain()) received.push_back(std::move(e));
  if (final_one) received.push_back(std::move(*final_one));

  EXPECT_EQ(seqs_of(of_type(received, "message.new")), range(1, kMessages))
      << "the reading device got every message once, in order";
  EXPECT_TRUE(stalled->wait_closed(10000).has_value()) << "the stalled socket was cut off";
  EXPECT_TRUE(phone->is_open());
}
