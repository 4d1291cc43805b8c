// The enums stored as names (core/enum_names.hpp): each value has the name the database's CHECK
// allows and reads back from it; any other text is no value.

#include <gtest/gtest.h>

#include "core/enum_names.hpp"
#include "messaging/close_reason.hpp"
#include "messaging/message_type.hpp"
#include "profiles/report_reason.hpp"

namespace {

using pm::messaging::CloseReason;
using pm::messaging::MessageType;
using pm::profiles::ReportReason;

enum class Colour { red, green };
constexpr pm::EnumNames<Colour, 2> kColours = {{{Colour::red, "red"}, {Colour::green, "green"}}};

TEST(EnumNames, ANameAndItsValueAnswerEachOther) {
  static_assert(pm::name_in(kColours, Colour::green) == "green");
  static_assert(pm::value_in(kColours, "red") == Colour::red);
  EXPECT_FALSE(pm::value_in(kColours, "blue").has_value());
  EXPECT_FALSE(pm::value_in(kColours, "Red").has_value());
}

TEST(MessageType, EachTypeHasTheNameTheDatabaseUsesAndReadsBack) {
  const std::pair<MessageType, std::string_view> expected[] = {
      {MessageType::text, "text"}, {MessageType::image, "image"}, {MessageType::reaction, "reaction"}};
  for (const auto& [type, name] : expected) {
    EXPECT_EQ(pm::messaging::to_string(type), name);
    EXPECT_EQ(pm::messaging::message_type_from(name), type) << name;
  }
}

TEST(MessageType, AnythingElseIsNotAType) {
  for (const char* name : {"", "Text", "video", "image ", "reactions"})
    EXPECT_FALSE(pm::messaging::message_type_from(name).has_value()) << name;
}

TEST(CloseReason, EachReasonHasTheNameTheDatabaseUsesAndReadsBack) {
  const std::pair<CloseReason, std::string_view> expected[] = {{CloseReason::unmatched, "unmatched"},
                                                               {CloseReason::blocked, "blocked"}};
  for (const auto& [reason, name] : expected) {
    EXPECT_EQ(pm::messaging::to_string(reason), name);
    EXPECT_EQ(pm::messaging::close_reason_from(name), reason) << name;
  }
}

TEST(CloseReason, AnythingElseIsNotAReason) {
  for (const char* name : {"", "Blocked", "unmatch", "deleted"})
    EXPECT_FALSE(pm::messaging::close_reason_from(name).has_value()) << name;
}

TEST(ReportReason, EachReasonHasTheNameTheDatabaseUsesAndReadsBack) {
  const std::pair<ReportReason, std::string_view> expected[] = {
      {ReportReason::spam, "spam"},
      {ReportReason::fake_profile, "fake_profile"},
      {ReportReason::harassment, "harassment"},
      {ReportReason::inappropriate_content, "inappropriate_content"},
      {ReportReason::underage, "underage"},
      {ReportReason::scam, "scam"},
      {ReportReason::other, "other"}};
  for (const auto& [reason, name] : expected) {
    EXPECT_EQ(pm::profiles::to_string(reason), name);
    EXPECT_EQ(pm::profiles::report_reason_from(name), reason) << name;
  }
}

TEST(ReportReason, AnythingElseIsNotAReason) {
  for (const char* name : {"", "Spam", "fake profile", "abuse", "other "})
    EXPECT_FALSE(pm::profiles::report_reason_from(name).has_value()) << name;
}

}  // namespace
