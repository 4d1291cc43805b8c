// The migrated schema holds every table of the seed with the seed's columns, and the seed's
// constraints reject violating rows. Each test runs in a database of its own.

#include <map>

#include <gtest/gtest.h>

#include "db/sql.hpp"
#include "support/stack.hpp"

using namespace pm;

namespace {

// The seed's tables and columns (perfect-match-data-model.md), plus the ERD-only tables.
const std::map<std::string, std::vector<std::string>> kSeedColumns = {
    {"users",
     {"user_id", "email", "password_hash", "auth_provider", "first_name", "last_name", "birth_date", "gender",
      "seeking_gender", "location", "bio", "profile_completed", "created_at", "last_active", "profile_visibility"}},
    {"profile_media", {"media_id", "user_id", "media_type", "url", "display_order", "uploaded_at"}},
    {"user_preferences",
     {"pref_id", "user_id", "notification_settings", "privacy_settings", "max_distance", "min_age", "max_age"}},
    {"subscription_details",
     {"subscription_id", "user_id", "plan_type", "start_date", "end_date", "payment_status", "payment_method"}},
    {"question_blocks", {"block_id", "title", "description", "display_order"}},
    {"questions",
     {"question_id", "block_id", "text", "question_type", "options", "branching_logic", "importance_weight",
      "premium_only"}},
    {"matches",
     {"match_id", "user_id_1", "user_id_2", "compatibility_score", "status", "created_at", "user_1_liked",
      "user_2_liked"}},
    {"compatibility_insights", {"insight_id", "match_id", "highlights", "detailed_analysis", "is_premium"}},
    {"match_attributes", {"attribute_id", "match_id", "attribute_name", "score", "description"}},
    {"conversations", {"conversation_id", "match_id", "created_at", "last_message_at"}},
    {"messages",
     {"message_id", "conversation_id", "sender_id", "message_type", "content", "media_url", "sent_at", "read_at"}},
    {"notifications", {"notification_id", "user_id", "type", "content", "is_read", "created_at"}},
    {"answers", {"answer_id", "question_id", "user_id", "response_value", "importance_score", "created_at"}},
    {"user_embeddings", {"embedding_id", "user_id", "embedding_vector", "metadata", "created_at"}},
};

// The seed's MongoDB collections, kept as jsonb document tables.
const std::vector<std::string> kDocumentTables = {"questionnaire_responses", "user_vectors",
                                                  "compatibility_insight_documents", "message_documents"};

// The seed's indexes: the table and the columns each one lets PostgreSQL look rows up by.
struct SeedIndex {
  std::string name, table;
  std::vector<std::string> columns;
};
const std::vector<SeedIndex> kSeedIndexes = {{"idx_users_email", "users", {"email"}},
                                             {"idx_users_location", "users", {"location"}},
                                             {"idx_users_gender_seeking", "users", {"gender", "seeking_gender"}},
                                             {"idx_users_profile_visibility", "users", {"profile_visibility"}},
                                             {"idx_profile_media_user_id", "profile_media", {"user_id"}},
                                             {"idx_user_preferences_user_id", "user_preferences", {"user_id"}},
                                             {"idx_subscription_user_id", "subscription_details", {"user_id"}},
                                             {"idx_subscription_end_date", "subscription_details", {"end_date"}},
                                             {"idx_subscription_plan_type", "subscription_details", {"plan_type"}},
                                             {"idx_questions_block_id", "questions", {"block_id"}},
                                             {"idx_questions_premium", "questions", {"premium_only"}},
                                             {"idx_matches_user_id_1", "matches", {"user_id_1"}},
                                             {"idx_matches_user_id_2", "matches", {"user_id_2"}},
                                             {"idx_matches_score", "matches", {"compatibility_score"}},
                                             {"idx_matches_status", "matches", {"status"}},
                                             {"idx_matches_created_at", "matches", {"created_at"}},
                                             {"idx_insights_match_id", "compatibility_insights", {"match_id"}},
                                             {"idx_match_attributes_match_id", "match_attributes", {"match_id"}},
                                             {"idx_conversations_match_id", "conversations", {"match_id"}},
                                             {"idx_conversations_last_message", "conversations", {"last_message_at"}},
                                             {"idx_messages_conversation_id", "messages", {"conversation_id"}},
                                             {"idx_messages_sender_id", "messages", {"sender_id"}},
                                             {"idx_messages_sent_at", "messages", {"sent_at"}},
                                             {"idx_messages_read_status", "messages", {"read_at"}},
                                             {"idx_notifications_user_id", "notifications", {"user_id"}},
                                             {"idx_notifications_type", "notifications", {"type"}},
                                             {"idx_notifications_created_at", "notifications", {"created_at"}},
                                             {"idx_notifications_read_status", "notifications", {"is_read"}}};

// The names of the indexes on a table whose leading key columns are exactly `columns`, in order
// (a partial index counts only under the seed's own name: its predicate is the seed's).
constexpr const char* kIndexesLeadingWith = R"SQL(
SELECT c.relname FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid AND t.relname = $1 AND t.relnamespace = 'public'::regnamespace
WHERE (i.indpred IS NULL OR c.relname = $3)
  AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
         FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE k.ord <= cardinality($2::text[])) = $2::text[]
)SQL";

}  // namespace

TEST(Schema, EverySeedTableHasTheSeedsColumns) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  for (const auto& [table, columns] : kSeedColumns) {
    std::set<std::string> present;
    for (const auto& row :
         q.exec_params("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                       "AND table_name = $1",
                       table))
      present.insert(row[0].as<std::string>());
    EXPECT_FALSE(present.empty()) << "table " << table << " is missing";
    for (const auto& column : columns) EXPECT_TRUE(present.count(column)) << table << "." << column << " is missing";
  }
  for (const auto& table : kDocumentTables) {
    auto r = q.exec_params(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
        "AND data_type = 'jsonb'",
        table);
    EXPECT_FALSE(r.empty()) << "document table " << table << " is missing or has no jsonb column";
  }
}

// Every look-up the seed indexed is still served by an index: the seed's own, or (0033) a wider one
// that starts with the same columns, which made the seed's redundant.
TEST(Schema, EverySeedIndexedLookupIsStillIndexed) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  for (const auto& index : kSeedIndexes) {
    const auto columns = db::text_array({index.columns.begin(), index.columns.end()});
    EXPECT_FALSE(q.exec_params(kIndexesLeadingWith, index.table, columns, index.name).empty())
        << index.name << ": no index on " << index.table << " leads with " << columns;
  }
  for (const char* ext : {"uuid-ossp", "pgcrypto", "postgis"})
    EXPECT_FALSE(q.exec_params("SELECT 1 FROM pg_extension WHERE extname = $1", ext).empty()) << ext;
}

// No B-tree index is the leading part of another on its table: the wider one serves every look-up
// the narrow one would, so the narrow one only adds an entry to write, log and archive for every row
// inserted (0033). A unique index stays whatever its width: it enforces a constraint.
TEST(Schema, NoIndexIsALeadingPartOfAnother) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  auto redundant = q.exec(R"SQL(
SELECT narrow.indexrelid::regclass::text, wide.indexrelid::regclass::text
FROM pg_index narrow
JOIN pg_index wide ON wide.indrelid = narrow.indrelid AND wide.indexrelid <> narrow.indexrelid
JOIN pg_class n ON n.oid = narrow.indexrelid
JOIN pg_class w ON w.oid = wide.indexrelid AND w.relam = n.relam
WHERE n.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND n.relnamespace = 'public'::regnamespace
  AND NOT narrow.indisunique
  AND narrow.indpred IS NULL AND wide.indpred IS NULL
  AND narrow.indexprs IS NULL AND wide.indexprs IS NULL
  -- the same columns with the same operator classes, then more; the same orders (ASC/DESC) too,
  -- unless the narrow one has a single column, which PostgreSQL scans either way
  AND (wide.indkey::text || ' ') LIKE (narrow.indkey::text || ' %')
  AND (wide.indclass::text || ' ') LIKE (narrow.indclass::text || ' %')
  AND (narrow.indnkeyatts = 1 OR (wide.indoption::text || ' ') LIKE (narrow.indoption::text || ' %'))
)SQL");
  for (const auto& row : redundant)
    ADD_FAILURE() << row[0].as<std::string>() << " is the leading part of " << row[1].as<std::string>();
}

// Deleting the row a foreign key points at (an account, a push subscription, a conversation) makes
// PostgreSQL find the rows naming it, to cascade or set them to NULL: without an index led by the
// key's columns that is a scan of the whole table, on every sign-out and every account's deletion
// (migration 0050). A partial index "WHERE column IS NOT NULL" serves such a look-up too.
TEST(Schema, EveryForeignKeyLeadsAnIndex) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction q(conn);
  auto unindexed = q.exec(R"SQL(
SELECT c.conrelid::regclass::text, c.conname
FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
WHERE c.contype = 'f' AND r.relnamespace = 'public'::regnamespace AND NOT r.relispartition
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = c.conrelid
      AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k)
          = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k)
      AND (i.indpred IS NULL
           OR pg_get_expr(i.indpred, i.indrelid) = format('(%s IS NOT NULL)',
                (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]))))
)SQL");
  for (const auto& row : unindexed)
    ADD_FAILURE() << row[0].as<std::string>() << "." << row[1].as<std::string>() << " leads no index";
  EXPECT_GT(q.exec1("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")[0].as<int>(), 30)
      << "the query sees the schema's foreign keys";
}

TEST(Schema, SeedDefaultsApply) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::work tx(conn);
  auto user = tx.exec1(
      "INSERT INTO users (email) VALUES ('a@example.test') "
      "RETURNING user_id, profile_completed, profile_visibility, created_at IS NOT NULL");
  EXPECT_EQ(user[0].as<std::string>().size(), 36u) << "user_id defaults to a UUID";
  EXPECT_FALSE(user[1].as<bool>());
  EXPECT_EQ(user[2].as<std::string>(), "matches_only");
  EXPECT_TRUE(user[3].as<bool>());
  auto prefs =
      tx.exec_params1("INSERT INTO user_preferences (user_id) VALUES ($1) RETURNING notification_settings::text",
                      user[0].as<std::string>());
  EXPECT_EQ(prefs[0].as<std::string>(), "{}");
}

// ---------- one case per constraint: a violating row is rejected ----------

namespace {

// Two users, a question, a match and its conversation, with fixed ids the cases refer to.
constexpr const char* kFixture = R"SQL(
INSERT INTO users (user_id, email) VALUES
  ('00000000-0000-4000-8000-000000000001', 'one@example.test'),
  ('00000000-0000-4000-8000-000000000002', 'two@example.test');
INSERT INTO question_blocks (block_id, title, display_order) VALUES ('00000000-0000-4000-8000-0000000000b1', 'Values', 1);
INSERT INTO questions (question_id, block_id, text, question_type) VALUES
  ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000b1', 'Kids?', 'boolean');
INSERT INTO matches (match_id, user_id_1, user_id_2, compatibility_score) VALUES
  ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 87.5);
INSERT INTO conversations (conversation_id, match_id) VALUES
  ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000a1');
)SQL";

#define U1 "'00000000-0000-4000-8000-000000000001'"
#define U2 "'00000000-0000-4000-8000-000000000002'"
#define MATCH "'00000000-0000-4000-8000-0000000000a1'"
#define CONV "'00000000-0000-4000-8000-0000000000d1'"
#define BLOCK "'00000000-0000-4000-8000-0000000000b1'"
#define QUESTION "'00000000-0000-4000-8000-0000000000c1'"

struct ConstraintCase {
  const char* name;
  const char* setup;      // a valid row, where the violation needs a first one
  const char* violation;  // the row that must be rejected
  const char* expected;   // constraint name (or column, for NOT NULL) in the error
};

const ConstraintCase kCases[] = {
    {"users_email_unique", "", "INSERT INTO users (email) VALUES ('one@example.test')", "users_email_key"},
    {"users_email_not_null", "", "INSERT INTO users (first_name) VALUES ('x')", "email"},
    {"unique_user_display_order",
     "INSERT INTO profile_media (user_id, media_type, url, display_order) VALUES (" U1 ", 'image/jpeg', 'a', 1)",
     "INSERT INTO profile_media (user_id, media_type, url, display_order) VALUES (" U1 ", 'image/jpeg', 'b', 1)",
     "unique_user_display_order"},
    {"profile_media_user_fk", "",
     "INSERT INTO profile_media (user_id, media_type, url, display_order) VALUES (gen_random_uuid(), 'image/jpeg', "
     "'a', 1)",
     "profile_media_user_id_fkey"},
    {"unique_user_preferences", "INSERT INTO user_preferences (user_id) VALUES (" U1 ")",
     "INSERT INTO user_preferences (user_id) VALUES (" U1 ")", "unique_user_preferences"},
    {"unique_user_subscription",
     "INSERT INTO subscription_details (user_id, plan_type, start_date, payment_status) VALUES (" U1
     ", 'free', now(), 'none')",
     "INSERT INTO subscription_details (user_id, plan_type, start_date, payment_status) VALUES (" U1
     ", 'premium', now(), 'paid')",
     "unique_user_subscription"},
    {"subscription_plan_not_null", "",
     "INSERT INTO subscription_details (user_id, start_date, payment_status) VALUES (" U1 ", now(), 'none')",
     "plan_type"},
    {"unique_block_order", "", "INSERT INTO question_blocks (title, display_order) VALUES ('Again', 1)",
     "unique_block_order"},
    {"valid_question_type", "",
     "INSERT INTO questions (block_id, text, question_type) VALUES (" BLOCK ", 'q', 'essay')", "valid_question_type"},
    {"unique_user_pair", "",
     "INSERT INTO matches (user_id_1, user_id_2, compatibility_score) VALUES (" U1 ", " U2 ", 50)", "unique_user_pair"},
    {"different_users", "",
     "INSERT INTO matches (user_id_1, user_id_2, compatibility_score) VALUES (" U1 ", " U1 ", 50)", "different_users"},
    {"valid_match_status", "", "UPDATE matches SET status = 'maybe' WHERE match_id = " MATCH, "valid_match_status"},
    {"match_score_not_null", "", "INSERT INTO matches (user_id_1, user_id_2) VALUES (" U2 ", " U1 ")",
     "compatibility_score"},
    {"unique_match_insight", "INSERT INTO compatibility_insights (match_id, highlights) VALUES (" MATCH ", '[]')",
     "INSERT INTO compatibility_insights (match_id, highlights) VALUES (" MATCH ", '[\"x\"]')", "unique_match_insight"},
    {"unique_match_attribute",
     "INSERT INTO match_attributes (match_id, attribute_name, score) VALUES (" MATCH ", 'Lifestyle', 80)",
     "INSERT INTO match_attributes (match_id, attribute_name, score) VALUES (" MATCH ", 'Lifestyle', 10)",
     "unique_match_attribute"},
    {"unique_match_conversation", "", "INSERT INTO conversations (match_id) VALUES (" MATCH ")",
     "unique_match_conversation"},
    {"valid_message_type", "",
     "INSERT INTO messages (conversation_id, sender_id, message_type, content) VALUES (" CONV ", " U1
     ", 'video', 'hi')",
     "valid_message_type"},
    {"notification_content_not_null", "", "INSERT INTO notifications (user_id, type) VALUES (" U1 ", 'new_match')",
     "content"},
    // Choices made where the seed is silent (see docs/schema.md).
    {"unique_user_question_answer",
     "INSERT INTO answers (question_id, user_id, response_value, importance_score) VALUES (" QUESTION ", " U1
     ", 'true', 5)",
     "INSERT INTO answers (question_id, user_id, response_value, importance_score) VALUES (" QUESTION ", " U1
     ", 'false', 3)",
     "unique_user_question_answer"},
    {"answer_importance_range", "",
     "INSERT INTO answers (question_id, user_id, response_value, importance_score) VALUES (" QUESTION ", " U1
     ", 'true', 11)",
     "valid_importance_score"},
    {"embedding_not_empty", "", "INSERT INTO user_embeddings (user_id, embedding_vector) VALUES (" U1 ", '{}')",
     "valid_embedding_vector"},
    {"client_message_id_once",
     "INSERT INTO messages (message_id, conversation_id, sender_id, content) VALUES "
     "('00000000-0000-4000-8000-0000000000e1', " CONV ", " U1 ", 'hi');"
     "INSERT INTO messages (message_id, conversation_id, sender_id, content) VALUES "
     "('00000000-0000-4000-8000-0000000000e2', " CONV ", " U1 ", 'hi');"
     "INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata, sent_at) "
     "SELECT message_id, conversation_id, sender_id, " U2 ", '{\"clientMessageId\": \"c-1\"}', sent_at "
     "FROM messages WHERE message_id = '00000000-0000-4000-8000-0000000000e1'",
     "INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata, sent_at) "
     "SELECT message_id, conversation_id, sender_id, " U2 ", '{\"clientMessageId\": \"c-1\"}', sent_at "
     "FROM messages WHERE message_id = '00000000-0000-4000-8000-0000000000e2'",
     // (the index of the month's partition reports it, under a generated name; its key names the id)
     "clientMessageId"},
    // Outcomes (0025, docs/outcomes.md).
    {"valid_outcome_kind", "",
     "INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking) VALUES (" U1 ", " U2
     ", 'wink', " MATCH ", 'questionnaire-v1')",
     "valid_outcome_kind"},
    {"outcome_about_another", "",
     "INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking) VALUES (" U1 ", " U1
     ", 'like', " MATCH ", 'questionnaire-v1')",
     "outcome_about_another"},
    {"only_a_pass_is_rewound", "",
     "INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking, rewound_at) VALUES (" U1 ", " U2
     ", 'like', " MATCH ", 'questionnaire-v1', now())",
     "only_a_pass_is_rewound"},
    {"outcome_ranking_not_null", "",
     "INSERT INTO match_outcomes (decided_by, about_user, kind, match_id) VALUES (" U1 ", " U2 ", 'like', " MATCH ")",
     "ranking"},
};

// Names the case in test output (instead of the struct's bytes).
void PrintTo(const ConstraintCase& c, std::ostream* os) { *os << c.name; }

class SeedConstraint : public ::testing::TestWithParam<ConstraintCase> {};

}  // namespace

TEST_P(SeedConstraint, RejectsAViolatingRow) {
  const auto& c = GetParam();
  test::TestDatabase db;
  auto conn = db.connect();
  {
    pqxx::work tx(conn);
    tx.exec(kFixture);
    if (*c.setup) tx.exec(c.setup);
    tx.commit();
  }
  pqxx::work tx(conn);
  try {
    tx.exec(c.violation);
    FAIL() << "accepted a row that violates " << c.expected;
  } catch (const pqxx::integrity_constraint_violation& e) {
    EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, SeedConstraint, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Schema, DeletingAUserRemovesWhatHangsOffIt) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::work tx(conn);
  tx.exec(kFixture);
  tx.exec("INSERT INTO profile_media (user_id, media_type, url, display_order) VALUES (" U1 ", 'image/jpeg', 'a', 1)");
  // The message's document has no keys to the conversation or users (0031): it goes with its message.
  tx.exec("WITH m AS (INSERT INTO messages (conversation_id, sender_id, content) VALUES (" CONV ", " U2
          ", 'hello') RETURNING message_id, sent_at) INSERT INTO message_documents (message_id, conversation_id, "
          "sender_id, recipient_id, sent_at) SELECT message_id, " CONV ", " U2 ", " U1 ", sent_at FROM m");
  tx.exec("INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking) VALUES (" U2 ", " U1
          ", 'like', " MATCH ", 'questionnaire-v1')");
  // The match's insights: the document's pair has no keys of its own (0030), it goes with its match.
  tx.exec("INSERT INTO compatibility_insight_documents (match_id, user_id_1, user_id_2, doc) VALUES (" MATCH ", " U1
          ", " U2 ", '{}')");
  tx.exec("INSERT INTO compatibility_insights (match_id, highlights) VALUES (" MATCH ", '{}')");
  tx.exec("INSERT INTO match_attributes (match_id, attribute_name, score) VALUES (" MATCH ", 'Shared Values', 90)");
  tx.exec("DELETE FROM users WHERE user_id = " U1);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM match_outcomes")[0].as<int>(), 0) << "outcomes about the user go too";
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM compatibility_insight_documents")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM compatibility_insights")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM match_attributes")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM profile_media")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM matches")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM messages")[0].as<int>(), 0)
      << "the match, its conversation and messages go too";
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM message_documents")[0].as<int>(), 0) << "and the messages' documents";
}
