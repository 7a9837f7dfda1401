import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import Streams

/// What psync-webhooks' attempts got: the attempt log, each delivery's state, each subscription's failure streak, and the
/// subscriptions that have failed for too long, disabled (audited, and announced on the events stream after the commit).
extension WebhookStore {
    static let maximumOutcomes = 1000
    static let maximumError = 1000
    static let maximumDisableAfter = 30 * 86_400

    func record(_ request: RecordWebhookAttempts, by actor: AuditActor) async throws -> WebhookAttemptsRecorded {
        let worker = try Self.checkWorker(request.worker)
        try Self.check(request)
        // One outcome per delivery: the last one reported.
        let outcomes = Dictionary(request.outcomes.map { ($0.deliveryID, $0) }) { _, last in last }
        let (stored, disabled) = try await pool.withTransaction { connection -> (Int, [(Int, String, String)]) in
            let ids = outcomes.keys.sorted()
            // A report for an attempt that is no longer the delivery's latest comes from a worker whose lease ran out while
            // another took the delivery over: it is ignored. A delivery removed with its subscription meanwhile is gone.
            let current = try connection.query("SELECT id, attempts FROM webhook_deliveries WHERE id = ANY(\(ids)::bigint[]) ORDER BY id FOR UPDATE")
            var accepted: [RecordWebhookAttempts.Outcome] = []
            for row in current {
                let id: Int = try row.decode(named: "id")
                let attempts: Int = try row.decode(named: "attempts")
                if let outcome = outcomes[id], outcome.attempt == attempts { accepted.append(outcome) }
            }
            guard !accepted.isEmpty else { return (0, try disableFailing(after: request.disableAfterSeconds, by: actor, on: connection)) }
            let input: SQL = """
                SELECT * FROM unnest(\(accepted.map(\.deliveryID))::bigint[], \(accepted.map(\.attempt))::int[],
                    \(accepted.map(\.startedAt))::timestamptz[], \(accepted.map(\.durationMilliseconds))::int[], \(accepted.map(\.statusCode))::int[],
                    \(accepted.map(\.error))::text[], \(accepted.map(\.result.rawValue))::text[], \(accepted.map(\.nextAttemptAt))::timestamptz[])
                    AS o(delivery_id, attempt, started_at, duration_ms, status_code, error, result, next_attempt_at)
                """
            let stored = try connection.execute(
                """
                INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, worker)
                SELECT o.delivery_id, o.attempt, o.started_at, o.duration_ms, o.status_code, o.error, \(worker) FROM (\(input)) o
                ON CONFLICT DO NOTHING
                """
            )
            try connection.execute(
                """
                UPDATE webhook_deliveries d SET
                    status = CASE o.result WHEN 'delivered' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
                    delivered_at = CASE WHEN o.result = 'delivered' THEN o.started_at + make_interval(secs => o.duration_ms / 1000.0) ELSE d.delivered_at END,
                    next_attempt_at = CASE WHEN o.result = 'retry' THEN o.next_attempt_at ELSE d.next_attempt_at END,
                    leased_until = NULL, leased_by = NULL, last_status_code = o.status_code, last_error = o.error,
                    last_duration_ms = o.duration_ms, last_attempt_at = o.started_at
                FROM (\(input)) o WHERE d.id = o.delivery_id
                """
            )
            try connection.execute(
                """
                UPDATE webhook_subscriptions s SET
                    failing_since = CASE WHEN a.delivered THEN NULL ELSE coalesce(s.failing_since, a.first_failure) END
                FROM (SELECT d.subscription_id, bool_or(o.result = 'delivered') AS delivered,
                             min(o.started_at) FILTER (WHERE o.result <> 'delivered') AS first_failure
                      FROM (\(input)) o JOIN webhook_deliveries d ON d.id = o.delivery_id GROUP BY d.subscription_id) a
                WHERE s.id = a.subscription_id
                """
            )
            return (stored, try disableFailing(after: request.disableAfterSeconds, by: actor, on: connection))
        }
        for (id, url, reason) in disabled {
            let message = "webhook \(id) (\(Self.host(of: url) ?? "?")) disabled: \(reason)"
            logger.warning("webhook disabled", metadata: ["webhook.id": "\(id)", "webhook.reason": "\(reason)"])
            do {
                _ = try await publisher.publish(Event(kind: .webhookDisabled, message: message), to: StreamNames.events)
            } catch {
                logger.warning("webhook disabled event not published", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
            }
        }
        return WebhookAttemptsRecorded(stored: stored, disabledSubscriptions: disabled.map(\.0))
    }

    /// Disables every active subscription failing for longer than `seconds`; returns id, URL and reason of each.
    private func disableFailing(after seconds: Int, by actor: AuditActor, on connection: isolated PostgresConnection) throws -> [(
        Int, String, String
    )] {
        let rows = try connection.query(
            """
            UPDATE webhook_subscriptions s SET status = 'disabled', disabled_at = now(), updated_at = now(),
                disabled_reason = 'every attempt failed since ' || to_char(s.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
                    || coalesce('; last: ' || (SELECT CASE WHEN d.last_status_code IS NOT NULL THEN 'HTTP ' || d.last_status_code
                                                           ELSE left(d.last_error, 200) END
                                               FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.last_attempt_at IS NOT NULL
                                               ORDER BY d.last_attempt_at DESC LIMIT 1), '')
            WHERE s.status = 'active' AND s.failing_since < now() - make_interval(secs => \(seconds)::int)
            RETURNING s.id, s.url, s.disabled_reason
            """
        )
        var disabled: [(Int, String, String)] = []
        let system = AuditActor(actor: "webhooks", scope: Scope.webhooks.rawValue, requestID: actor.requestID)
        for row in rows {
            let id: Int = try row.decode(named: "id")
            let after = try Self.fetch(id, on: connection)
            try AuditLog.record(
                on: connection, by: system, action: "disable", entity: "webhook", id: String(id), before: nil as WebhookSubscription?, after: after)
            disabled.append((id, try row.decode(named: "url"), try row.decode(named: "disabled_reason")))
        }
        return disabled.sorted { $0.0 < $1.0 }
    }

    static func check(_ request: RecordWebhookAttempts) throws {
        guard request.outcomes.count <= maximumOutcomes else {
            throw APIError.unprocessable("outcomes may hold at most \(maximumOutcomes) entries, got \(request.outcomes.count)", field: "outcomes")
        }
        guard (1...maximumDisableAfter).contains(request.disableAfterSeconds) else {
            throw APIError.unprocessable(
                "disableAfterSeconds must be 1-\(maximumDisableAfter) (30 days), got \(request.disableAfterSeconds)", field: "disableAfterSeconds")
        }
        for (index, outcome) in request.outcomes.enumerated() {
            let problem: String? =
                if outcome.deliveryID <= 0 || outcome.attempt <= 0 {
                    "deliveryID and attempt must be positive"
                } else if !TimeBounds.contains(outcome.startedAt) {
                    "startedAt is not a time in \(TimeBounds.years)"
                } else if !(0...86_400_000).contains(outcome.durationMilliseconds) {
                    "durationMilliseconds must be 0-86400000, got \(outcome.durationMilliseconds)"
                } else if let code = outcome.statusCode, !(100...599).contains(code) {
                    "statusCode must be 100-599, got \(code)"
                } else if let error = outcome.error, error.count > maximumError || error.unicodeScalars.contains("\u{0}") {
                    "error must be at most \(maximumError) characters"
                } else if outcome.result == .retry, outcome.nextAttemptAt == nil {
                    "a retry needs nextAttemptAt"
                } else if let next = outcome.nextAttemptAt, !TimeBounds.contains(next) {
                    "nextAttemptAt is not a time in \(TimeBounds.years)"
                } else {
                    nil
                }
            if let problem { throw APIError.unprocessable("outcome \(index) (delivery \(outcome.deliveryID)): \(problem)", field: "outcomes") }
        }
    }
}
