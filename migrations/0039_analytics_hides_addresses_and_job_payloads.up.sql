-- 0039_analytics_hides_addresses_and_job_payloads (up): two more columns hidden from the analytics
-- role. audit_log.ip says where each person signs in from, which no analysis of the service needs
-- per person; jobs.payload holds what a job acts on (the session a credential change keeps, the
-- accounts and addresses of mail and push work), the job's kind and times stay readable.
REVOKE SELECT (ip) ON audit_log FROM pm_analytics;
REVOKE SELECT (payload) ON jobs FROM pm_analytics;
