#include "staff/model.hpp"

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/enum_names.hpp"
#include "core/validation.hpp"

namespace pm::staff {

namespace {
constexpr EnumNames<Role, 2> kRoles{{{Role::moderator, "moderator"}, {Role::admin, "admin"}}};
constexpr EnumNames<Action, 5> kActions{{{Action::dismiss, "dismiss"},
                                         {Action::warn, "warn"},
                                         {Action::suspend, "suspend"},
                                         {Action::ban, "ban"},
                                         {Action::remove_photo, "remove_photo"}}};
}  // namespace

std::string_view to_string(Role role) { return name_in(kRoles, role); }
std::optional<Role> role_from(std::string_view name) { return value_in(kRoles, name); }
std::string_view to_string(Action action) { return name_in(kActions, action); }
std::optional<Action> action_from(std::string_view name) { return value_in(kActions, name); }

Result<ActionInput> ActionInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"action", "days", "media_id", "note"});
  ActionInput in;
  auto action = f.text("action", true, 20);
  if (action) {
    if (auto a = action_from(*action))
      in.action = *a;
    else
      f.fail("action", "must be dismiss, warn, suspend, ban or remove_photo");
  }
  auto days = f.integer("days", action == "suspend", 1, 3650);
  if (days) in.days = static_cast<int>(*days);
  auto media = f.text("media_id", action == "remove_photo", 64);
  if (media) {
    if (crypto::is_uuid(*media))
      in.media_id = crypto::canonical_uuid(*media);
    else
      f.fail("media_id", "must be a photo's id (a UUID)");
  }
  in.note = f.multiline_text("note", false, 2000).value_or("");
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

Result<PlanGrantInput> PlanGrantInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"plan_id", "days"});
  PlanGrantInput in;
  in.plan_id = f.text("plan_id", true, 50).value_or("");
  in.days = static_cast<int>(f.integer("days", true, 1, 3650).value_or(30));
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

}  // namespace pm::staff
