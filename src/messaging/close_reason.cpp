#include "messaging/close_reason.hpp"

#include "core/enum_names.hpp"

namespace pm::messaging {

namespace {

constexpr EnumNames<CloseReason, 2> kCloseReasonNames = {{
    {CloseReason::unmatched, "unmatched"},
    {CloseReason::blocked, "blocked"},
}};

}  // namespace

std::string_view to_string(CloseReason reason) { return name_in(kCloseReasonNames, reason); }

std::optional<CloseReason> close_reason_from(std::string_view name) { return value_in(kCloseReasonNames, name); }

}  // namespace pm::messaging
