-- 0039_analytics_hides_addresses_and_job_payloads (down): readable by the analytics role again.
GRANT SELECT (ip) ON audit_log TO pm_analytics;
GRANT SELECT (payload) ON jobs TO pm_analytics;
