#pragma once
// Why a conversation closed (conversations.close_reason, migrations/0010): one of its users ended
// the match, or blocked the other. One table of names serves the database and the events.

#include <optional>
#include <string_view>

namespace pm::messaging {

enum class CloseReason { unmatched, blocked };

std::string_view to_string(CloseReason reason);
// nullopt for a name that is not a reason.
std::optional<CloseReason> close_reason_from(std::string_view name);

}  // namespace pm::messaging
