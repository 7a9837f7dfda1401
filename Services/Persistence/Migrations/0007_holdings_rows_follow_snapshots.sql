-- A snapshot's rows are only ever written by COPY right after their snapshot row, in the same transaction
-- (SnapshotInsert), so the foreign key from holdings to holding_snapshots checked what cannot be wrong, once
-- per row: 200,000 rows took 1.6–1.8 s to COPY with it and 0.75–0.84 s without (PostgreSQL 15, 2026-12-03,
-- BENCHMARKS.md). What it also did, deleting a snapshot's rows with it, a statement trigger now does, once per
-- DELETE (retention, an account deleted, cascades included).
ALTER TABLE holdings DROP CONSTRAINT holdings_snapshot_id_fkey;

CREATE FUNCTION holdings_follow_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM holdings WHERE snapshot_id IN (SELECT id FROM deleted_snapshots);
    RETURN NULL;
END
$$;

CREATE TRIGGER holding_snapshots_delete_rows AFTER DELETE ON holding_snapshots
    REFERENCING OLD TABLE AS deleted_snapshots FOR EACH STATEMENT EXECUTE FUNCTION holdings_follow_snapshots();
