#include "messaging/routes.hpp"

#include <algorithm>
#include <cctype>

#include "auth/guard.hpp"
#include "core/validation.hpp"
#include "http/multipart.hpp"
#include "media/photo.hpp"

namespace pm::messaging {

using http::Method;
using http::Request;
using http::Status;

namespace {

// The client's X-App-Version, kept with each message (the seed's metadata.appVersion). A header
// holds whatever the client puts there: kept only when it looks like a version (at most 32 of
// A-Z a-z 0-9 . _ - +), else none is stored.
std::string app_version_of(const Request& req) {
  std::string_view v = req.header("X-App-Version");
  auto version_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
  };
  if (v.size() > 32 || !std::ranges::all_of(v, version_char)) return "";
  return std::string(v);
}

}  // namespace

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/conversations",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto limit = req.query_number("limit", 1, 100);
               if (!limit) return http::problem_response(limit.error(), req.request_id);
               return http::reply(req, service.conversations(who.user_id, req.query("cursor"), limit->value_or(20)));
             }));
  router.add(
      Method::get, "/api/v1/conversations/{conversation_id}/messages",
      auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
        auto after = req.query_number("after", 0, 1LL << 62), before = req.query_number("before", 1, 1LL << 62),
             limit = req.query_number("limit", 1, 200);
        for (const auto* p : {&after, &before, &limit})
          if (!*p) return http::problem_response(p->error(), req.request_id);
        if (after->has_value() && before->has_value())
          return http::problem_response(Problem("validation-failed", "give after or before, not both"), req.request_id);
        auto conversation = req.path_id<ConversationId>("conversation_id", no_such_conversation());
        if (!conversation) return http::problem_response(conversation.error(), req.request_id);
        return http::reply(
            req, service.history(who.user_id, *conversation, *after, *before, static_cast<int>(limit->value_or(50)),
                                 /*with_user=*/true));
      }));
  router.add(Method::post, "/api/v1/conversations/{conversation_id}/messages",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::with_input<MessageInput>(req, [&](const MessageInput& in) {
                 auto conversation = req.path_id<ConversationId>("conversation_id", no_such_conversation());
                 if (!conversation) return http::problem_response(conversation.error(), req.request_id);
                 auto sent = service.send(who.user_id, *conversation, in, app_version_of(req));
                 if (!sent) return http::problem_response(sent.error(), req.request_id);
                 // A retry with the same client_message_id gets the original, with 200 instead of 201.
                 return http::json_response(sent->created ? Status::created : Status::ok, sent->message.to_json());
               });
             }));
  router.add(Method::post, "/api/v1/conversations/{conversation_id}/read",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               std::optional<long long> up_to;
               if (!req.raw.body().empty()) {
                 auto body = req.json();
                 if (!body) return http::problem_response(body.error(), req.request_id);
                 Fields f(*body);
                 f.allow_only({"up_to_seq"});
                 up_to = f.integer("up_to_seq", false, 1, 1LL << 62);
                 if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
               }
               auto conversation = req.path_id<ConversationId>("conversation_id", no_such_conversation());
               if (!conversation) return http::problem_response(conversation.error(), req.request_id);
               return http::reply(req, service.read(who.user_id, *conversation, up_to));
             }));
  router.add(Method::post, "/api/v1/conversations/{conversation_id}/media",
             auth::authed(auth,
                          [&service](Request& req, const auth::Caller& who) {
                            auto bytes = http::uploaded_file(req);
                            if (!bytes) return http::problem_response(bytes.error(), req.request_id);
                            auto conversation = req.path_id<ConversationId>("conversation_id", no_such_conversation());
                            if (!conversation) return http::problem_response(conversation.error(), req.request_id);
                            return http::reply(req, service.upload_media(who.user_id, *conversation, *bytes),
                                               Status::created);
                          }),
             media::PhotoLimits{}.max_bytes + 64 * 1024);
  router.add(Method::post, "/api/v1/messages/{message_id}/reactions",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::with_input<ReactionInput>(req, [&](const ReactionInput& in) {
                 auto message = req.path_id<MessageId>("message_id", no_such_message());
                 if (!message) return http::problem_response(message.error(), req.request_id);
                 return http::reply(req, service.react(who.user_id, *message, in));
               });
             }));
  router.add(Method::delete_, "/api/v1/messages/{message_id}",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto message = req.path_id<MessageId>("message_id", no_such_message());
               if (!message) return http::problem_response(message.error(), req.request_id);
               return http::reply(req, service.remove(who.user_id, *message));
             }));
}

}  // namespace pm::messaging
