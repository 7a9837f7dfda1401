import Foundation
public import PostgresClient

extension Stack {
    /// A database at scale for the overview, written straight with SQL: `accounts` accounts (one user and portfolio per
    /// 100; one in 97 needing re-auth; every tenth ZERODHA one with a login ending before the next scheduled run) and
    /// `runs` runs of every account twelve hours apart, the last still going (40 % of its jobs queued, running or
    /// retrying, the rest finished over its first 20 minutes). Finished runs: 98.5 % succeeded, 1.5 % failed, 0.5 % dead.
    /// Ends with `VACUUM ANALYZE`, as autovacuum would leave a database in steady use.
    public static func seedOverviewScale(_ database: PostgresPool, accounts: Int, runs: Int) async throws {
        try await database.execute(
            "INSERT INTO users (email, name) SELECT 'overview-bench-' || g || '@example.com', 'Bench ' || g FROM generate_series(1, \((accounts + 99) / 100)) g"
        )
        try await database.execute(
            "INSERT INTO portfolios (user_id, name, base_currency) SELECT u.id, 'Overview bench', 'INR' FROM users u WHERE u.email LIKE 'overview-bench-%'"
        )
        try await database.execute(
            """
            INSERT INTO broker_accounts (portfolio_id, broker_code, label, status, last_synced_at, last_error)
            SELECT p.id, (ARRAY['SANDBOX', 'ZERODHA', 'ALPACA', 'UPSTOX'])[1 + g % 4], 'A' || g,
                CASE WHEN g % 97 = 0 THEN 'reauth_required' ELSE 'active' END, now() - interval '2 hours',
                CASE WHEN g % 97 = 0 THEN 'the broker refused the login' END
            FROM generate_series(0, \(accounts - 1)) g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM portfolios WHERE name = 'Overview bench') p ON p.n = g / 100
            """
        )
        try await database.execute(
            """
            INSERT INTO credentials (account_id, key_id, sealed_box, issued_at, expires_at)
            SELECT a.id, 'bench', '\\x00'::bytea, now() - interval '3 hours', now() + interval '18 hours' FROM broker_accounts a
            JOIN portfolios p ON p.id = a.portfolio_id AND p.name = 'Overview bench'
            WHERE a.broker_code = 'ZERODHA' AND a.status = 'active' AND a.id % 10 = 0
            """
        )
        try await database.execute(
            """
            INSERT INTO schedules (name, kind, every_seconds, scope_kind, actions, next_run_at)
            VALUES ('overview-bench-every-2-days', 'interval', 172800, 'all', '{holdings}', now() + interval '40 hours')
            """
        )
        try await database.execute(
            """
            INSERT INTO runs (trigger, scope_kind, actions, status, requested_by, created_at, dispatched_at, finished_at)
            SELECT 'schedule', 'all', '{holdings}', CASE WHEN r = 0 THEN 'running' ELSE 'finished' END, 'overview-bench',
                now() - interval '20 minutes' - r * interval '12 hours', now() - interval '20 minutes' - r * interval '12 hours' + interval '5 seconds',
                CASE WHEN r = 0 THEN NULL ELSE now() - r * interval '12 hours' + interval '15 minutes' END
            FROM generate_series(\(runs - 1), 0, -1) r
            """
        )
        try await database.execute(
            """
            INSERT INTO jobs (run_id, account_id, portfolio_id, broker_code, action, status, attempts, last_error, error_kind, worker,
                queued_at, started_at, finished_at, updated_at)
            SELECT r.id, a.id, a.portfolio_id, a.broker_code, 'holdings', s.status, CASE WHEN s.status = 'queued' THEN 0 ELSE 1 END,
                CASE s.status WHEN 'failed' THEN CASE WHEN a.status = 'reauth_required' THEN 'the broker refused the login'
                    ELSE 'HTTP 400 from the broker' END WHEN 'dead' THEN 'HTTP 503 from the broker, 5 attempts' END,
                CASE s.status WHEN 'failed' THEN CASE WHEN a.status = 'reauth_required' THEN 'auth' ELSE 'permanent' END
                    WHEN 'dead' THEN 'transient' END,
                CASE WHEN s.status <> 'queued' THEN 'gateway-' || (a.id % 4) END,
                r.created_at, CASE WHEN s.status <> 'queued' THEN r.created_at + s.offset_seconds * interval '1 second' END,
                CASE WHEN s.status IN ('succeeded', 'failed', 'dead') THEN r.created_at + (s.offset_seconds + 1) * interval '1 second' END,
                r.created_at + (s.offset_seconds + 1) * interval '1 second'
            FROM (SELECT id, created_at, status, row_number() OVER (ORDER BY id) AS n FROM runs WHERE requested_by = 'overview-bench') r
            CROSS JOIN (SELECT a.id, a.portfolio_id, a.broker_code, a.status FROM broker_accounts a
                JOIN portfolios p ON p.id = a.portfolio_id AND p.name = 'Overview bench') a
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN a.status = 'reauth_required' THEN 'failed'
                    WHEN r.status = 'running' AND (a.id * 7 + r.n) % 10 >= 6 THEN (ARRAY['queued', 'queued', 'running', 'retrying'])[1 + (a.id % 4)::int]
                    WHEN (a.id * 13 + r.n) % 1000 < 15 THEN 'failed'
                    WHEN (a.id * 13 + r.n) % 1000 < 20 THEN 'dead'
                    ELSE 'succeeded' END AS status,
                    CASE WHEN r.status = 'running' THEN (a.id * 31 + r.n) % 1200 ELSE (a.id * 31 + r.n) % 900 END AS offset_seconds
            ) s
            """
        )
        try await database.execute(
            """
            UPDATE runs r SET total_jobs = c.total, succeeded = c.succeeded, failed = c.failed, dead = c.dead, reauth_required = c.reauth
            FROM (SELECT run_id, count(*) AS total, count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                    count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'dead') AS dead,
                    count(*) FILTER (WHERE error_kind = 'auth') AS reauth FROM jobs GROUP BY run_id) c
            WHERE r.id = c.run_id AND r.requested_by = 'overview-bench'
            """
        )
        try await database.execute("VACUUM ANALYZE")
    }
}
