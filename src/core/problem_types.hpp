#pragma once
// The catalogue of problem types: every `type` a Problem can carry, with the status and title that
// go with it, declared once. A Problem is made only from a slug of this table (see ProblemSlug),
// so two places raising the same type cannot disagree on its status or title, and a type missing
// here does not compile. docs/openapi.yaml lists the same table (x-problem-types of the Problem
// schema); tests/unit/problem_types_test.cpp keeps the two in step.
//
// To add a type: a row here, the same row in docs/openapi.yaml, then Problem("the-slug", detail).

#include <string_view>

namespace pm {

struct ProblemType {
  std::string_view slug;  // "type" is /problems/<slug>; stable, clients branch on it
  int status;
  std::string_view title;  // the same for every occurrence of the type (RFC 9457)
};

inline constexpr ProblemType kProblemTypes[] = {
    // Requests: HTTP, bodies, routing (http/, core/json, core/validation)
    {"malformed-http", 400, "Bad request"},
    {"malformed-json", 400, "Bad request"},
    {"malformed-multipart", 400, "Bad request"},
    {"empty-upload", 400, "Bad request"},
    {"validation-failed", 400, "Invalid request"},
    {"not-found", 404, "Not found"},
    {"method-not-allowed", 405, "Method not allowed"},
    {"request-timeout", 408, "Request timeout"},
    {"body-too-large", 413, "Payload too large"},
    {"unsupported-media-type", 415, "Unsupported media type"},
    {"upgrade-required", 426, "Upgrade required"},
    {"headers-too-large", 431, "Request header fields too large"},
    {"rate-limited", 429, "Too many requests"},
    {"internal", 500, "Internal server error"},
    // Stores and operations (db/, cache/, ops/, core/field_cipher)
    {"not-ready", 503, "Not ready"},
    {"database-unavailable", 503, "Service unavailable"},
    {"database-busy", 503, "Service unavailable"},
    {"cache-unavailable", 503, "Service unavailable"},
    {"configuration", 500, "Configuration error"},
    // Accounts, sessions and sign-in (auth/)
    {"unauthenticated", 401, "Unauthenticated"},
    {"invalid-credentials", 401, "Unauthenticated"},
    {"invalid-token", 400, "Bad request"},
    {"weak-password", 400, "Bad request"},
    {"same-email", 400, "Bad request"},
    {"wrong-password", 403, "Forbidden"},
    {"reauthentication-required", 403, "Forbidden"},
    {"email-taken", 409, "Conflict"},
    {"email-already-verified", 409, "Conflict"},
    {"no-password", 409, "Conflict"},
    {"sign-in-interrupted", 409, "Conflict"},
    {"invalid-id-token", 401, "Invalid ID token"},
    {"unknown-oauth-provider", 404, "Unknown OAuth provider"},
    {"oauth-email-required", 400, "Bad request"},
    {"oauth-no-account", 404, "Not found"},
    {"oauth-provider-unavailable", 503, "Service unavailable"},
    {"oauth-state-invalid", 400, "Bad request"},
    {"oauth-denied", 403, "Forbidden"},
    {"oauth-provider-error", 502, "Bad gateway"},
    {"oauth-token-exchange-failed", 502, "Bad gateway"},
    // Profiles, safety and photos (profiles/, media/, storage/)
    {"invalid-target", 400, "Bad request"},
    {"invalid-order", 400, "Bad request"},
    {"photo-limit", 409, "Conflict"},
    {"image-too-large", 413, "Image too large"},
    {"unsupported-image-type", 415, "Unsupported image type"},
    {"image-dimensions-too-large", 422, "Image dimensions too large"},
    {"image-unreadable", 422, "Image unreadable"},
    {"image-processing-unavailable", 503, "Service unavailable"},
    {"invalid-media-key", 400, "Bad request"},
    {"media-url-invalid", 403, "Invalid media URL"},
    {"media-url-expired", 403, "Media URL expired"},
    {"media-not-found", 404, "Media not found"},
    {"storage-unavailable", 503, "Service unavailable"},
    // Questionnaire (questionnaire/)
    {"invalid-question-bank", 400, "Invalid question bank"},
    {"premium-required", 403, "Forbidden"},
    {"question-not-visible", 409, "Conflict"},
    {"questionnaire-incomplete", 409, "Conflict"},
    {"question-bank-missing", 503, "Service unavailable"},
    // Matching (matching/): the embeddings and chat APIs report as *-unavailable and *-failed
    {"match-closed", 409, "Conflict"},
    {"profile-incomplete", 409, "Conflict"},
    {"profile-hidden", 409, "Conflict"},
    {"embedding-failed", 502, "Bad gateway"},
    {"embedding-unavailable", 503, "Service unavailable"},
    {"insights-failed", 502, "Bad gateway"},
    {"insights-unavailable", 503, "Service unavailable"},
    // Messaging and realtime (messaging/, realtime/)
    {"invalid-frame", 400, "Bad request"},
    {"conversation-closed", 409, "Conflict"},
    {"message-deleted", 409, "Conflict"},
    {"realtime-unavailable", 503, "Service unavailable"},
    // Staff and moderation (staff/, auth/restrictions)
    {"account-suspended", 403, "Account suspended"},
    {"account-banned", 403, "Account banned"},
    {"staff-only", 403, "Forbidden"},
    {"report-resolved", 409, "Conflict"},
    // Subscriptions (subscriptions/)
    {"paid-subscription-live", 409, "Conflict"},
    // Feature flags (flags/): a feature switched off for the caller
    {"feature-disabled", 404, "Not found"},
    // Notifications and mail, for the outbox's records and logs (notifications/)
    {"invalid-outbox-id", 400, "Bad request"},
    {"mail-unavailable", 503, "Service unavailable"},
    {"notification-unavailable", 503, "Service unavailable"},
    {"notification-sender-failed", 503, "Service unavailable"},
    {"push-unavailable", 503, "Service unavailable"},
    {"push-not-configured", 404, "Not found"},
    {"push-subscription-limit", 409, "Conflict"},
    // The command line: settings, migrations, demo data (core/config, db/migrations, demo/)
    {"config", 400, "Bad request"},
    {"migration", 409, "Migration refused"},
    {"seed-failed", 500, "Seeding failed"},
    {"loadtest-failed", 500, "Load-test fixtures failed"},
};

// A slug of kProblemTypes, found while compiling: ProblemSlug("no-such-type") is a compile error,
// so the code cannot raise a type the catalogue (and so the API description) does not have.
class ProblemSlug {
 public:
  // Implicit, so a call reads Problem("not-found", detail). consteval: the argument must be a
  // constant (a literal, or a ProblemSlug passed on).
  consteval ProblemSlug(const char* slug) : type_(&find(slug)) {}

  constexpr const ProblemType& operator*() const { return *type_; }
  constexpr const ProblemType* operator->() const { return type_; }

 private:
  static consteval const ProblemType& find(std::string_view slug) {
    for (const auto& type : kProblemTypes)
      if (type.slug == slug) return type;
    throw "not a problem type: add it to kProblemTypes (src/core/problem_types.hpp) and docs/openapi.yaml";
  }

  const ProblemType* type_;
};

}  // namespace pm
