#include "outcomes/model.hpp"

#include "core/enum_names.hpp"

namespace pm::outcomes {

namespace {

constexpr EnumNames<Kind, 6> kKindNames = {{
    {Kind::like, "like"},
    {Kind::pass, "pass"},
    {Kind::match, "match"},
    {Kind::unmatch, "unmatch"},
    {Kind::first_message, "first_message"},
    {Kind::reply, "reply"},
}};

}  // namespace

std::string_view to_string(Kind kind) { return name_in(kKindNames, kind); }

std::optional<Kind> kind_from(std::string_view name) { return value_in(kKindNames, name); }

Json OwnDecision::to_json() const {
  return {{"kind", to_string(kind)},
          {"about_user", about},
          {"match_id", match_id},
          {"decided_at", decided_at},
          {"rewound_at", rewound_at ? Json(*rewound_at) : Json(nullptr)}};
}

}  // namespace pm::outcomes
