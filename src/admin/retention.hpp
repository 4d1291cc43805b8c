#pragma once
// Activity retention (issue 11): the worker deletes activity records older than
// PM_ACTIVITY_RETENTION_DAYS (90 by default): the audit log, finished jobs, used or expired
// tokens, sent mail and notification deliveries, read notifications. The deleting is done by
// pm_enforce_retention() (migrations/0012), which runs as the owner role: the app role itself may
// never delete an audit entry. The audit log and notifications are partitioned by month
// (migrations/0019, 0020): their expired months are dropped whole, each in a short transaction of
// its own before the sweep (pm_enforce_partition_retention, migrations/0054), and the same hourly
// pass creates the coming months' partitions.

#include <map>
#include <string>

#include "core/problem.hpp"
#include "db/pool.hpp"

namespace pm::admin {

// Rows deleted, by table.
Result<std::map<std::string, long long>> enforce_retention(db::Pool& db, int days);

}  // namespace pm::admin
