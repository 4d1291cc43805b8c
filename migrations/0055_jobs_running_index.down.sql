-- 0055_jobs_running_index (down)
DROP INDEX idx_jobs_running;
