// The HTTP server over real sockets on an ephemeral port, with the real stores behind it.

#include <array>
#include <future>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>

#include "support/accounts.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

using namespace pm;
using test::HttpConnection;
using test::TestServer;

namespace {

// A test-only route that parses a JSON body through the same helper every API route uses.
void add_echo_route(app::App& app) {
  app.router.add(http::Method::post, "/test/echo", [](http::Request& req) {
    auto body = req.json();
    if (!body) return http::problem_response(body.error(), req.request_id);
    return http::json_response(http::Status::ok, {{"echo", *body}});
  });
}

void expect_problem(const test::HttpResult& res, int status, const std::string& type) {
  EXPECT_EQ(res.status, status) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "application/problem+json");
  auto body = res.json();
  EXPECT_EQ(body["type"], "/problems/" + type);
  EXPECT_EQ(body["status"], status);
  EXPECT_TRUE(body.contains("title"));
  EXPECT_FALSE(res.header("X-Request-Id").empty());
}

}  // namespace

TEST(Server, HealthAndReadinessAnswer) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto health = server.request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");

  auto ready = server.request("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["postgres"], "ok");
  EXPECT_EQ(ready.json()["checks"]["redis"], "ok");
}

TEST(Server, MalformedJsonIsA400ProblemNamingTheFault) {
  test::TestDatabase db;
  TestServer server(test::test_config(db), add_echo_route);
  auto res = server.request("POST", "/test/echo", R"({"name": "Ada",)");
  expect_problem(res, 400, "malformed-json");
  EXPECT_NE(res.json()["detail"].get<std::string>().find("column"), std::string::npos) << res.body;

  auto ok = server.request("POST", "/test/echo", R"({"name": "Ada"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json()["echo"]["name"], "Ada");

  auto wrong_type =
      server.request("POST", "/test/echo", "name=Ada", {{"Content-Type", "application/x-www-form-urlencoded"}});
  expect_problem(wrong_type, 415, "unsupported-media-type");

  auto huge_number = server.request("POST", "/test/echo", "[1" + std::string(400, '0') + "]");
  expect_problem(huge_number, 400, "malformed-json");
}

TEST(Server, OversizedBodyIsA413Problem) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.max_body_bytes = 64 * 1024;
  TestServer server(config, add_echo_route);
  std::string big = "\"" + std::string(200 * 1024, 'x') + "\"";
  auto res = server.request("POST", "/test/echo", big);
  expect_problem(res, 413, "body-too-large");
  EXPECT_NE(res.json()["detail"].get<std::string>().find("65536"), std::string::npos);

  auto fits = server.request("POST", "/test/echo", "\"" + std::string(1000, 'x') + "\"");
  EXPECT_EQ(fits.status, 200) << "a body under the limit still passes";
}

TEST(Server, UnknownRouteIsA404ProblemAndWrongMethodA405) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  expect_problem(server.request("GET", "/api/v1/nothing-here"), 404, "not-found");
  auto res = server.request("DELETE", "/healthz");
  expect_problem(res, 405, "method-not-allowed");
  EXPECT_EQ(res.header("Allow"), "GET");
}

TEST(Server, MalformedHttpIsA400Problem) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  HttpConnection conn(server.port());
  auto res = conn.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  expect_problem(res, 400, "malformed-http");
}

// A body coding the server does not read (anything but "chunked" alone) was taken for no body, and
// the body's bytes were answered as the next request on the connection: a request smuggled inside
// another, behind a proxy that reads the header otherwise. Refused, and the connection closed.
TEST(Server, ABodyInACodingTheServerDoesNotReadIsRefusedNotReadAsTheNextRequest) {
  test::TestDatabase db;
  TestServer server(test::test_config(db), add_echo_route);
  for (const char* coding : {"identity", "chunked, identity", "xchunked", "gzip, chunked"}) {
    HttpConnection conn(server.port());
    std::string request = "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    request.append("Transfer-Encoding: ").append(coding).append("\r\n\r\n");
    request.append("0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto res = conn.raw(request);
    expect_problem(res, 400, "malformed-http");
    EXPECT_EQ(res.header("Connection"), "close") << coding;
  }
  HttpConnection twice(server.port());
  expect_problem(twice.raw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                 400, "malformed-http");
  // The one coding it reads, chunked, is read as ever.
  HttpConnection chunked(server.port());
  auto echoed = chunked.raw(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "7\r\n\"whole\"\r\n0\r\n\r\n");
  EXPECT_EQ(echoed.status, 200) << echoed.body;
  EXPECT_NE(echoed.body.find("whole"), std::string::npos) << echoed.body;
}

TEST(Server, KeepAliveServesSeveralRequestsOnOneConnection) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  HttpConnection conn(server.port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(conn.request("GET", "/healthz").status, 200);
}

TEST(Server, RequestIdIsEchoedOrGenerated) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  EXPECT_EQ(server.request("GET", "/healthz", "", {{"X-Request-Id", "trace-42"}}).header("X-Request-Id"), "trace-42");
  auto generated =
      server.request("GET", "/healthz", "", {{"X-Request-Id", "bad id with spaces"}}).header("X-Request-Id");
  EXPECT_EQ(generated.size(), 36u) << "an unusable id is replaced by a UUID";
  auto problem = server.request("GET", "/missing", "", {{"X-Request-Id", "trace-43"}});
  EXPECT_EQ(problem.json()["instance"], "urn:request:trace-43");
}

TEST(Server, MetricsCountRequestsByRouteAndStatusAndShowPools) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  server.request("GET", "/healthz");
  server.request("GET", "/readyz");
  server.request("GET", "/no/such/route/123");
  auto res = server.request("GET", "/metrics");
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.header("Content-Type").find("text/plain"), std::string::npos);
  const auto& text = res.body;
  EXPECT_NE(text.find(R"(pm_http_requests_total{method="GET",route="/healthz",status="200"} 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"x(pm_http_requests_total{method="GET",route="(unmatched)",status="404"} 1)x"),
            std::string::npos);
  EXPECT_EQ(text.find("/no/such/route"), std::string::npos) << "raw paths never become labels";
  EXPECT_NE(text.find(R"(pm_http_request_duration_seconds_count{route="/readyz"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(pm_db_pool_connections{state="open"} 1)"), std::string::npos)
      << "readyz opened one connection";
  EXPECT_NE(text.find(R"(pm_redis_pool_connections{state="max"} 4)"), std::string::npos);
}

TEST(Server, ServesTheOpenApiDocument) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto res = server.request("GET", "/api/v1/openapi.yaml");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.header("Content-Type").find("yaml"), std::string::npos);
  EXPECT_TRUE(res.body.starts_with("openapi: 3.")) << res.body.substr(0, 80);
  for (const char* path : {"/healthz:", "/readyz:", "/metrics:", "/api/v1/openapi.yaml:"})
    EXPECT_NE(res.body.find(path), std::string::npos) << path << " is not documented";
}

TEST(Server, ASlowHandlerDoesNotStallOtherRequests) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.io_threads = 1;  // one I/O thread: if a handler ran on it, /healthz could not be answered
  std::promise<void> release;
  auto released = release.get_future().share();
  TestServer server(config, [&](app::App& app) {
    app.router.add(http::Method::get, "/test/slow", [released](http::Request&) {
      released.wait();
      return http::json_response(http::Status::ok, {{"slow", true}});
    });
  });
  auto slow = std::async(std::launch::async, [&] { return server.request("GET", "/test/slow"); });
  EXPECT_EQ(server.request("GET", "/healthz").status, 200);
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the slow request is still in flight";
  release.set_value();
  EXPECT_EQ(slow.get().status, 200);
}

TEST(Server, GracefulStopFinishesInFlightRequestsAndRefusesNewConnections) {
  test::TestDatabase db;
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  TestServer server(test::test_config(db), [&](app::App& app) {
    app.router.add(http::Method::get, "/test/slow", [&entered, released](http::Request&) {
      entered.set_value();
      released.wait();
      return http::json_response(http::Status::ok, {{"finished", true}});
    });
  });
  auto port = server.port();
  HttpConnection idle(port);
  EXPECT_EQ(idle.request("GET", "/healthz").status, 200);

  auto slow = std::async(std::launch::async, [&] { return test::http(port, "GET", "/test/slow"); });
  entered.get_future().wait();
  server.server().stop();
  EXPECT_THROW(test::http(port, "GET", "/healthz"), std::exception) << "no new connections while stopping";
  EXPECT_THROW(idle.request("GET", "/healthz"), std::exception) << "idle keep-alive connections are closed";
  release.set_value();
  auto res = slow.get();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.json()["finished"], true);
  EXPECT_EQ(res.header("Connection"), "close");
  server.stop();
}

// Only origins named in PM_CORS_ORIGINS may read the API from a browser; others get no
// Access-Control-* header (the browser refuses), the web app's own origin needs none.
TEST(Server, CrossOriginReadsOnlyForConfiguredOrigins) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.cors_origins = "https://partner.example, https://app.example";
  TestServer server(config);
  auto preflight = [&](const std::string& origin) {
    return server.request("OPTIONS", "/api/v1/me", "",
                          {{"Origin", origin},
                           {"Access-Control-Request-Method", "GET"},
                           {"Access-Control-Request-Headers", "authorization"}});
  };
  auto ok = preflight("https://app.example");
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(ok.header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  auto evil = preflight("https://evil.example");
  EXPECT_EQ(evil.status, 204);
  EXPECT_EQ(evil.header("Access-Control-Allow-Origin"), "") << "an unknown origin is not allowed";
  EXPECT_EQ(evil.header("Access-Control-Allow-Methods"), "");
  EXPECT_EQ(preflight("https://app.example.evil.example").header("Access-Control-Allow-Origin"), "")
      << "origins match exactly";

  auto read = server.request("GET", "/api/v1/me", "", {{"Origin", "https://partner.example"}});
  EXPECT_EQ(read.status, 401);
  EXPECT_EQ(read.header("Access-Control-Allow-Origin"), "https://partner.example") << "problems are readable too";
  EXPECT_EQ(read.header("Vary"), "Origin");
  EXPECT_EQ(server.request("GET", "/api/v1/me", "", {{"Origin", "https://evil.example"}})
                .header("Access-Control-Allow-Origin"),
            "");
  EXPECT_EQ(server.request("OPTIONS", "/api/v1/me").status, 405) << "OPTIONS without CORS is just a method";

  // Refused before the body is read (too large; too large for a caller without a session): the
  // page reads why, not a bare network error.
  for (auto [path, bytes, status] :
       {std::tuple{"/api/v1/auth/login", 104857600, 413}, std::tuple{"/api/v1/me/media", 3 << 20, 401}}) {
    HttpConnection connection(server.port());
    auto refused = connection.raw(
        fmt::format("POST {} HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nContent-Type: application/json\r\n"
                    "Content-Length: {}\r\n\r\n",
                    path, bytes));
    EXPECT_EQ(refused.status, status) << path;
    EXPECT_EQ(refused.header("Access-Control-Allow-Origin"), "https://app.example") << path;
  }
}

namespace {

// Whether a new connection gets an answer within a few seconds (a freed place is given back once
// the server has seen the close).
bool a_new_connection_is_answered(std::uint16_t port) {
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      if (HttpConnection(port).request("GET", "/healthz").status == 200) return true;
    } catch (const std::exception&) {
    }
  }
  return false;
}

}  // namespace

// One client address may hold PM_MAX_CONNECTIONS_PER_IP connections: one more is closed at once,
// and a closed one frees its place. (Trusted proxies are not counted: they carry many clients.)
TEST(Server, OneClientCannotHoldEveryConnection) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.max_connections_per_ip = 3;
  config.trusted_proxies = "";  // the test's loopback address is a direct client here
  TestServer server(config);
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpConnection>(server.port()));
    EXPECT_EQ(held.back()->request("GET", "/healthz").status, 200) << "connection " << i;
  }
  HttpConnection fourth(server.port());
  EXPECT_THROW(fourth.request("GET", "/healthz"), std::exception) << "the fourth is closed unanswered";
  // Counted now, before the wait below (whose tries may be refused while the close is unseen).
  EXPECT_NE(held[0]->request("GET", "/metrics").body.find("pm_http_connections_refused_total 1"), std::string::npos);

  held.pop_back();  // one closes: its place is free again
  EXPECT_TRUE(a_new_connection_is_answered(server.port()));
}

// Served as https (PM_PUBLIC_URL), every answer tells the browser to use nothing else: without it, a
// typed http:// address or a network that downgrades the first visit could read the session.
TEST(Server, AnHttpsServerTellsBrowsersToUseNothingElse) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.public_url = "https://dating.example";
  {
    TestServer server(config);
    for (const char* path : {"/healthz", "/api/v1/plans", "/api/v1/me"})
      EXPECT_EQ(server.request("GET", path).header("Strict-Transport-Security"), "max-age=31536000") << path;
  }
  config.public_url = "http://127.0.0.1:8080";  // the local stack: nothing to insist on
  TestServer plain(config);
  EXPECT_EQ(plain.request("GET", "/healthz").header("Strict-Transport-Security"), "");
}

// Listening on "::" (every interface, both families), an IPv4 connection arrives as
// "::ffff:127.0.0.1": compared as text, it matched no trusted proxy, so the proxy's connections were
// capped as one client's and every user behind it was taken for the proxy.
TEST(Server, ATrustedProxyIsKnownWhenTheServerListensOnEveryInterface) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.http_host = "::";
  config.max_connections_per_ip = 1;
  config.trusted_proxies = "127.0.0.1";
  TestServer server(config);
  HttpConnection first(server.port()), second(server.port());
  EXPECT_EQ(first.request("GET", "/healthz").status, 200);
  EXPECT_EQ(second.request("GET", "/healthz").status, 200) << "the proxy's second connection was capped";
}

// A connection that became a WebSocket keeps its place in its client's count until the socket
// closes: upgrading is no way past the limit (an unauthenticated socket waits seconds for its
// auth frame, so one address could otherwise hold thousands).
TEST(Server, AWebSocketKeepsItsPlaceInTheClientsCount) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.max_connections_per_ip = 2;
  config.trusted_proxies = "";
  TestServer server(config);
  auto first = std::make_unique<test::WsClient>(server.port());
  test::WsClient second(server.port());
  EXPECT_THROW(test::WsClient third(server.port()), std::exception) << "a third socket is closed at once";
  HttpConnection plain(server.port());
  EXPECT_THROW(plain.request("GET", "/healthz"), std::exception) << "so is a plain connection";

  first.reset();  // one socket closes: its place is free again
  EXPECT_TRUE(a_new_connection_is_answered(server.port()));
}

// A socket refused for a bad first frame whose client never answers the close frame was refused a
// second time when its auth frame's 10 seconds ran out, while the first close still waited for the
// client (Beast gives it 10 seconds): that second close was never completed, and its handler kept
// the socket, and its place in the client's count, for good. One address could lock itself (and
// everyone behind its NAT) out of the node with a frame every few seconds.
TEST(Server, ASocketRefusedWhileItsAuthWaitRunsOutGivesBackItsPlace) {
  namespace websocket = boost::beast::websocket;
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.max_connections_per_ip = 1;
  config.trusted_proxies = "";
  TestServer server(config);
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket tcp(io);
    tcp.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(tcp));
    ws.handshake("127.0.0.1", "/api/v1/ws");  // no token: it must come as the first frame
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ws.text(true);
    ws.write(boost::asio::buffer(std::string("{}")));  // not an auth frame: refused, the close sent
    // Never read, so never answer the close, until both the auth wait (10 s from the upgrade) and
    // the close's own wait (10 s from the refusal) have run out.
    std::this_thread::sleep_for(std::chrono::milliseconds(11500));
  }
  EXPECT_TRUE(a_new_connection_is_answered(server.port())) << "the refused socket still holds its place";
}

// A signed-in request stamps its owner's last_active once a minute. When the owner's row was
// locked past the statement timeout (an export or a deletion holding it), that stamp threw: over
// HTTP a 500 for the request, on a socket an exception on the handler pool, which ended the whole
// process (asio's thread_pool calls std::terminate) and every connection of the node with it.
TEST(Server, ALockedAccountRowNeitherFailsItsRequestsNorTakesTheNodeDown) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  TestServer signing_up(config);
  // The nodes below wait a second at most for a statement (the held row never comes free).
  config.db_statement_timeout = std::chrono::milliseconds(1000);
  auto user = test::sign_up(signing_up, test::unique_email("locked-row"));
  auto conn = db.connect();
  pqxx::work holder(conn);  // holds the user's row as a long transaction would
  holder.exec_params("SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE", user.user_id);
  // The stamp is due on a node that has not seen the user, once the shared minute's mark is gone.
  auto stamp_due = [&](TestServer& node) {
    ASSERT_TRUE(node.app().redis.command({"DEL", "last_active:" + user.user_id}).has_value());
  };
  {
    TestServer node(config);
    stamp_due(node);
    test::WsClient ws(node.port(), user.token);
    EXPECT_TRUE(ws.wait_for("ready", 5000).has_value()) << "the socket was not made ready";
  }
  {
    TestServer node(config);
    stamp_due(node);
    auto me = test::http(node.port(), "GET", "/api/v1/me", "", user.auth());
    EXPECT_EQ(me.status, 200) << me.body;
  }
}

// Behind the proxy (HAProxy's `option forwardfor`, ops/cluster.sh) the client is the address the
// proxy added: HAProxy adds its own X-Forwarded-For field after any the client sent rather than
// appending to theirs. Before, the first field was read: any client chose its own address, and with
// it the per-client sign-in, sign-up and reset limits and the address in the owner's security log.
TEST(Server, BehindTheProxyTheClientIsTheAddressTheProxyAdded) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));  // the test's loopback address is the trusted proxy
  auto user = test::sign_up(server, test::unique_email("forwarded"));
  const std::string body = nlohmann::json{{"email", user.email}, {"password", user.password}}.dump();
  HttpConnection proxy(server.port());
  auto signed_in = proxy.raw(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "X-Forwarded-For: 198.51.100.7\r\n"  // what the client sent
      "X-Forwarded-For: 203.0.113.9\r\n"   // what the proxy added: the client's real address
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  auto sign_ins_from = [&](const std::string& ip) {
    return q
        .exec_params1("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'sign_in' AND host(ip) = $2",
                      user.user_id, ip)[0]
        .as<int>();
  };
  EXPECT_EQ(sign_ins_from("203.0.113.9"), 1);
  EXPECT_EQ(sign_ins_from("198.51.100.7"), 0) << "the address the client wrote is not taken";
}

// A HEAD is answered with headers only: a body after them (a 405's problem+json) was read by the
// client, or a proxy's pooled connection, as the start of the next response.
TEST(Server, AHeadRequestIsAnsweredWithoutABody) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::address_v4::loopback(), server.port()});
  const std::string requests =
      "HEAD /api/v1/me HTTP/1.1\r\nHost: localhost\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(requests));
  std::string received;
  std::array<char, 4096> chunk{};
  boost::system::error_code ec;
  while (!ec) received.append(chunk.data(), socket.read_some(boost::asio::buffer(chunk), ec));  // until it closes
  const auto end_of_first = received.find("\r\n\r\n");
  ASSERT_NE(end_of_first, std::string::npos) << received;
  EXPECT_TRUE(received.substr(0, end_of_first).find("Content-Length:") != std::string::npos ||
              received.substr(0, end_of_first).find("content-length:") != std::string::npos)
      << received;
  EXPECT_TRUE(received.substr(end_of_first + 4).starts_with("HTTP/1.1 200")) << "the next response follows the "
                                                                                "headers at once: "
                                                                             << received;
}

// A doubled slash is the same path to the router, and so to every rule about the API's answers:
// `//api/...` is routed to the API, so it is kept by no cache and a miss is a problem, not the web
// app's page. And an answer refused before any route (a header too large) has the same headers.
TEST(Server, TheApisRulesHoldWhateverTheSlashes) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  auto me = server.request("GET", "//api/v1/me");
  EXPECT_EQ(me.status, 401) << me.body;
  EXPECT_EQ(me.header("Cache-Control"), "no-store");
  auto missing = server.request("GET", "//api/v1/no-such-thing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/problem+json") << missing.body.substr(0, 200);
  HttpConnection big(server.port());
  auto refused =
      big.raw("GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n");
  EXPECT_EQ(refused.status, 431);
  EXPECT_EQ(refused.header("Cache-Control"), "no-store");
  EXPECT_EQ(refused.header("X-Content-Type-Options"), "nosniff");
}

// A body that does not arrive in time (a client trickling it to hold a connection) was met by a
// closed socket, not an answer: the client could not tell it from a crash. It is a 408 now, and
// the connection closes after it.
TEST(Server, ABodyThatDoesNotArriveInTimeIsA408Problem) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  config.read_timeout = std::chrono::milliseconds(300);
  TestServer server(config, add_echo_route);
  HttpConnection slow(server.port());
  auto res = slow.raw(
      "POST /test/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
      "\"only a part");
  expect_problem(res, 408, "request-timeout");
  EXPECT_EQ(res.header("Connection"), "close");
  // A body that comes in time is read as ever.
  EXPECT_EQ(server.request("POST", "/test/echo", "\"whole\"").status, 200);
}

// A large body (a photo) is read only for a signed-in caller: a stranger's header is answered
// at once, and the megabytes it announces are never read.
TEST(Server, AStrangerCannotMakeTheServerReadALargeBody) {
  test::TestDatabase db;
  TestServer server(test::test_config(db));
  HttpConnection stranger(server.port());
  auto refused = stranger.raw(
      "POST /api/v1/me/media HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer not-a-session\r\n"
      "Content-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n");
  expect_problem(refused, 401, "unauthenticated");
  HttpConnection anonymous(server.port());
  expect_problem(anonymous.raw("POST /api/v1/me/media HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/jpeg\r\n"
                               "Content-Length: 5000000\r\n\r\n"),
                 401, "unauthenticated");
}
