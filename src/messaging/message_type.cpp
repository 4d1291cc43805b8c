#include "messaging/message_type.hpp"

#include "core/enum_names.hpp"

namespace pm::messaging {

namespace {

constexpr EnumNames<MessageType, 3> kMessageTypeNames = {{
    {MessageType::text, "text"},
    {MessageType::image, "image"},
    {MessageType::reaction, "reaction"},
}};

}  // namespace

std::string_view to_string(MessageType type) { return name_in(kMessageTypeNames, type); }

std::optional<MessageType> message_type_from(std::string_view name) { return value_in(kMessageTypeNames, name); }

}  // namespace pm::messaging
