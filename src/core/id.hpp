#pragma once
// Strong ids: a UserId is not a MatchId, though both are UUIDs in a string. Each kind is its own
// type (no implicit conversion from a string or between kinds), made explicitly from a trusted
// value (a row, a session) or parsed from outside text once at the edge (`parse`: a UUID in any
// case, kept in its canonical lower-case form). It binds as a libpqxx parameter, reads with
// `field.as<UserId>()`, and writes itself into JSON as its string.

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <pqxx/strconv.hxx>

#include "core/crypto.hpp"
#include "core/json.hpp"

namespace pm {

template <class Tag>
class Id {
 public:
  Id() = default;
  explicit Id(std::string value) : value_(std::move(value)) {}

  // The id in `text` if it is a UUID (any case), else nullopt.
  static std::optional<Id> parse(std::string_view text) {
    if (!crypto::is_uuid(text)) return std::nullopt;
    return Id(crypto::canonical_uuid(text));
  }

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Id&, const Id&) = default;
  friend std::strong_ordering operator<=>(const Id&, const Id&) = default;

 private:
  std::string value_;
};

// nlohmann::json: an id is its string.
template <class Tag>
void to_json(Json& json, const Id<Tag>& id) {
  json = id.str();
}

// The vocabulary of ids.
using UserId = Id<struct UserIdTag>;
using MatchId = Id<struct MatchIdTag>;
using ConversationId = Id<struct ConversationIdTag>;
using MessageId = Id<struct MessageIdTag>;

}  // namespace pm

template <class Tag>
struct std::hash<pm::Id<Tag>> {
  std::size_t operator()(const pm::Id<Tag>& id) const noexcept { return std::hash<std::string>{}(id.str()); }
};

// libpqxx 6: an id binds as its text and reads from a column's text (NULL is no id: read a
// nullable column as std::optional<Id>, db::opt).
template <class Tag>
struct pqxx::string_traits<pm::Id<Tag>> {
  static constexpr const char* name() noexcept { return "pm::Id"; }
  static constexpr bool has_null() noexcept { return false; }
  static bool is_null(const pm::Id<Tag>&) { return false; }
  [[noreturn]] static pm::Id<Tag> null() { internal::throw_null_conversion(name()); }
  static void from_string(const char text[], pm::Id<Tag>& id) { id = pm::Id<Tag>(std::string(text)); }
  static std::string to_string(const pm::Id<Tag>& id) { return id.str(); }
};
