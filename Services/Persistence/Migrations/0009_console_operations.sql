-- Issue 18: an administrator can cancel a run. Its open jobs end as 'cancelled' (a result a gateway sends for one
-- afterwards is discarded, as for any ended job), and the run counts them apart from failures.
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled'));
ALTER TABLE runs ADD COLUMN cancelled integer NOT NULL DEFAULT 0;

-- The audit page filters by who and by what was done, newest first (by object: audit_log_entity; by time: audit_log_at).
-- `person` is whom the change was for: `admin` for `admin`, `monitor for admin` and `scheduler for monitor for admin`.
ALTER TABLE audit_log ADD COLUMN person text GENERATED ALWAYS AS (regexp_replace(actor, '^.* for ', '')) STORED;
CREATE INDEX audit_log_actor ON audit_log (actor, id DESC);
CREATE INDEX audit_log_person ON audit_log (person, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);
