#pragma once
// A message's type (messages.message_type, migrations/0005): words, a photo (with an optional
// caption) or a one-emoji reaction. One table of names serves the database, the API and events.

#include <optional>
#include <string_view>

namespace pm::messaging {

enum class MessageType { text, image, reaction };

std::string_view to_string(MessageType type);
// nullopt for a name that is not a type.
std::optional<MessageType> message_type_from(std::string_view name);

}  // namespace pm::messaging
