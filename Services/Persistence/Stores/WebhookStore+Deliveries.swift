import Contracts
import FoundationEssentials
import PostgresClient

/// The delivery log: a subscription's deliveries, one with its attempts, and redelivery.
extension WebhookStore {
    static let deliveryColumns: SQL = """
        d.id, d.subscription_id, e.id::text AS event_id, d.event_seq, e.type AS event_type, e.account_id, d.status, d.attempts, \
        CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at, d.first_attempt_at, d.last_attempt_at, d.delivered_at, \
        d.last_status_code, d.last_error, d.last_duration_ms, d.created_at
        """

    /// The event of delivery `d`, as `PostgresRow.claimedEvent()` reads it.
    static let eventColumns: SQL = """
        e.id::text AS event_id, e.seq AS event_seq, e.type AS event_type, e.version AS event_version, e.created_at AS event_created_at, \
        e.account_id AS event_account_id, e.portfolio_id AS event_portfolio_id, e.user_id AS event_user_id, \
        e.broker_code AS event_broker_code, e.run_id AS event_run_id, e.data::text AS event_data
        """

    func deliveries(_ request: ListWebhookDeliveries) async throws -> Page<WebhookDelivery> {
        let paging = try Paging(request)
        let status: SQL = request.status.map { "AND d.status = \($0.rawValue)" } ?? ""
        let rows = try await pool.query(
            """
            SELECT \(Self.deliveryColumns) FROM webhook_deliveries d JOIN feed_events e ON e.seq = d.event_seq
            WHERE d.subscription_id = \(request.id) \(status) \(paging.filter("d.id")) ORDER BY d.id DESC LIMIT \(paging.fetch)
            """
        )
        if rows.isEmpty, paging.before == nil, try await pool.query("SELECT 1 FROM webhook_subscriptions WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("webhook \(request.id) does not exist")
        }
        return paging.page(try rows.map { try $0.webhookDelivery() }, id: \.id)
    }

    func delivery(_ id: Int) async throws -> WebhookDeliveryDetail {
        try await pool.withTransaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let delivery = try Self.fetchDelivery(id, on: connection) else { throw APIError.notFound("delivery \(id) does not exist") }
            let attempts = try connection.query(
                "SELECT attempt, started_at, duration_ms, status_code, error, worker FROM webhook_attempts WHERE delivery_id = \(id) ORDER BY attempt"
            ).map { row in
                WebhookAttempt(
                    attempt: try row.decode(named: "attempt"), startedAt: try row.decode(named: "started_at"),
                    durationMilliseconds: try row.decode(named: "duration_ms"), statusCode: try row.decode(named: "status_code"),
                    error: try row.decode(named: "error"), worker: try row.decode(named: "worker"))
            }
            return WebhookDeliveryDetail(delivery: delivery, attempts: attempts)
        }
    }

    /// Sends the delivery again as soon as a worker claims it, with a fresh retry window; its attempts keep counting.
    func redeliver(_ id: Int, by actor: AuditActor) async throws -> WebhookDelivery {
        try await pool.withTransaction { connection in
            guard let before = try Self.fetchDelivery(id, on: connection, lock: true) else {
                throw APIError.notFound("delivery \(id) does not exist")
            }
            try connection.execute(
                """
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), leased_until = NULL, leased_by = NULL,
                    first_attempt_at = NULL
                WHERE id = \(id)
                """
            )
            let after = try Self.fetchDelivery(id, on: connection)!
            try AuditLog.record(
                on: connection, by: actor, action: "redeliver", entity: "webhook", id: String(after.subscriptionID), before: before, after: after)
            return after
        }
    }

    static func fetchDelivery(_ id: Int, on connection: isolated PostgresConnection, lock: Bool = false) throws -> WebhookDelivery? {
        let locking: SQL = lock ? "FOR UPDATE OF d" : ""
        return try connection.query(
            "SELECT \(deliveryColumns) FROM webhook_deliveries d JOIN feed_events e ON e.seq = d.event_seq WHERE d.id = \(id) \(locking)"
        ).first?.webhookDelivery()
    }

    /// Leases the deliveries due now: per subscription and ordering key only the oldest pending one (its line's head), and
    /// only while its subscription is active and no live lease holds it, oldest due first. `SKIP LOCKED` keeps two claimers
    /// apart (each looks at four times its limit, so one claimer's locks leave the other something to take); a row another
    /// claimer committed meanwhile is re-checked against the lease condition and dropped.
    func claim(_ request: ClaimWebhookDeliveries) async throws -> [ClaimedWebhookDelivery] {
        guard (1...500).contains(request.limit) else { throw APIError.unprocessable("limit must be 1-500, got \(request.limit)", field: "limit") }
        guard (5...600).contains(request.leaseSeconds) else {
            throw APIError.unprocessable("leaseSeconds must be 5-600, got \(request.leaseSeconds)", field: "leaseSeconds")
        }
        let worker = try Self.checkWorker(request.worker)
        let rows = try await pool.withTransaction { connection in
            try connection.query(
                """
                WITH heads AS (
                    SELECT DISTINCT ON (d.subscription_id, d.ordering_key) d.id, d.subscription_id, d.next_attempt_at, d.leased_until
                    FROM webhook_deliveries d WHERE d.status = 'pending'
                    ORDER BY d.subscription_id, d.ordering_key, d.event_seq
                ), due AS (
                    SELECT h.id, h.next_attempt_at FROM heads h JOIN webhook_subscriptions s ON s.id = h.subscription_id
                    WHERE s.status = 'active' AND h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until <= now())
                    ORDER BY h.next_attempt_at, h.id LIMIT \(request.limit * 4)
                ), locked AS (
                    SELECT d.id, d.first_attempt_at FROM due JOIN webhook_deliveries d ON d.id = due.id
                    WHERE d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until <= now())
                    ORDER BY due.next_attempt_at, due.id LIMIT \(request.limit)
                    FOR UPDATE OF d SKIP LOCKED
                ), claimed AS (
                    UPDATE webhook_deliveries d SET leased_until = now() + make_interval(secs => \(request.leaseSeconds)::int),
                        leased_by = \(worker), attempts = d.attempts + 1, first_attempt_at = coalesce(d.first_attempt_at, now())
                    FROM locked l WHERE d.id = l.id
                    RETURNING d.id, d.subscription_id, d.event_seq, d.attempts, l.first_attempt_at AS previous_first_attempt_at
                )
                SELECT c.id AS delivery_id, c.subscription_id, c.attempts, c.previous_first_attempt_at, s.url, s.secret_sealed, \(Self.eventColumns)
                FROM claimed c JOIN webhook_subscriptions s ON s.id = c.subscription_id JOIN feed_events e ON e.seq = c.event_seq
                ORDER BY c.id
                """
            ).map { row in
                ClaimedWebhookDelivery(
                    deliveryID: try row.decode(named: "delivery_id"), subscriptionID: try row.decode(named: "subscription_id"),
                    url: try row.decode(named: "url"), sealedSecret: try row.decode(named: "secret_sealed"),
                    attempt: try row.decode(named: "attempts"),
                    firstAttemptAt: try row.decode(named: "previous_first_attempt_at"), event: try row.claimedEvent())
            }
        }
        return rows
    }

    static func checkWorker(_ text: String) throws -> String {
        let worker = text.trimmed()
        guard !worker.isEmpty, worker.count <= 200, !worker.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.unprocessable("worker must be 1-200 characters without control characters", field: "worker")
        }
        return worker
    }
}
