-- 0055_jobs_running_index (up): the running jobs by when their lease ends. The worker's metrics
-- count a running job whose lease has passed as due (its worker stopped); a provider's cancellation
-- is never given up that way (jobs::Abandon::never), so a stuck one must show. Running jobs are
-- few, finished ones many: read through this, not the whole table, at every scrape.
CREATE INDEX idx_jobs_running ON jobs(run_after) WHERE status = 'running';
