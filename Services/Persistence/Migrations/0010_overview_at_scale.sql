-- The monitor's overview counts the jobs finished in the last hour by minute and status. With 1,000,000 jobs
-- (60,000 of them in that hour) the scan of jobs_finished fetched every row from the heap: 340 ms. With the status
-- in the index it is an index-only scan: 45 ms (PostgreSQL 15, 2 cores, 2026-12-03, BENCHMARKS.md "Overview at scale").
CREATE INDEX jobs_finished_status ON jobs (finished_at) INCLUDE (status) WHERE finished_at IS NOT NULL;
DROP INDEX jobs_finished;
