#pragma once
// Why a user reports another (user_reports.reason, migrations/0006; docs/openapi.yaml lists the
// same names). One table of names serves the API's check and the database.

#include <optional>
#include <string_view>

namespace pm::profiles {

enum class ReportReason { spam, fake_profile, harassment, inappropriate_content, underage, scam, other };

std::string_view to_string(ReportReason reason);
// nullopt for a name that is not a reason.
std::optional<ReportReason> report_reason_from(std::string_view name);

}  // namespace pm::profiles
