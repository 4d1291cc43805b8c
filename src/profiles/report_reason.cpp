#include "profiles/report_reason.hpp"

#include "core/enum_names.hpp"

namespace pm::profiles {

namespace {

constexpr EnumNames<ReportReason, 7> kReportReasonNames = {{
    {ReportReason::spam, "spam"},
    {ReportReason::fake_profile, "fake_profile"},
    {ReportReason::harassment, "harassment"},
    {ReportReason::inappropriate_content, "inappropriate_content"},
    {ReportReason::underage, "underage"},
    {ReportReason::scam, "scam"},
    {ReportReason::other, "other"},
}};

}  // namespace

std::string_view to_string(ReportReason reason) { return name_in(kReportReasonNames, reason); }

std::optional<ReportReason> report_reason_from(std::string_view name) { return value_in(kReportReasonNames, name); }

}  // namespace pm::profiles
