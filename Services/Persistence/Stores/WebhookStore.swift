import Contracts
import FoundationEssentials
import Logging
import PostgresClient
import Streams

/// Webhook subscriptions and their delivery log. psync-webhooks stores what it checked and sealed, claims the deliveries
/// due, and records what each attempt got; people list, disable, re-enable, delete and redeliver (audited).
struct WebhookStore: Sendable {
    let pool: PostgresPool
    let publisher: StreamPublisher
    let logger: Logger

    static let maximumURL = 2000
    static let maximumDescription = 500
    static let maximumSealedSecret = 4096

    func store(_ request: StoreWebhook, by actor: AuditActor) async throws -> WebhookSubscription {
        let url = try Self.checkURL(request.url)
        let types = try Self.checkTypes(request.eventTypes)
        let description = try Self.checkDescription(request.description)
        guard !request.sealedSecret.isEmpty, request.sealedSecret.utf8.count <= Self.maximumSealedSecret, !request.sealedSecret.contains("\u{0}")
        else {
            throw APIError.unprocessable("sealedSecret must be 1-\(Self.maximumSealedSecret) bytes", field: "sealedSecret")
        }
        if let portfolioID = request.portfolioID { try Validate.positive(portfolioID, field: "portfolioID") }
        if let userID = request.userID { try Validate.positive(userID, field: "userID") }
        return try await pool.withTransaction { connection in
            if let portfolioID = request.portfolioID, try connection.query("SELECT 1 FROM portfolios WHERE id = \(portfolioID)").first == nil {
                throw APIError.unprocessable("portfolio \(portfolioID) does not exist", field: "portfolioID")
            }
            if let userID = request.userID, try connection.query("SELECT 1 FROM users WHERE id = \(userID)").first == nil {
                throw APIError.unprocessable("user \(userID) does not exist", field: "userID")
            }
            let id: Int = try connection.query(
                """
                INSERT INTO webhook_subscriptions (url, event_types, portfolio_id, user_id, description, secret_sealed)
                VALUES (\(url), \(types)::text[], \(request.portfolioID), \(request.userID), \(description), \(request.sealedSecret)) RETURNING id
                """
            ).scalar()
            let subscription = try Self.fetch(id, on: connection)!
            try AuditLog.record(
                on: connection, by: actor, action: "create", entity: "webhook", id: String(id), before: nil as WebhookSubscription?,
                after: subscription)
            return subscription
        }
    }

    func list(_ request: ListWebhooks) async throws -> Page<WebhookSubscription> {
        let paging = try Paging(request)
        let status: SQL = request.status.map { "AND s.status = \($0.rawValue)" } ?? ""
        let rows = try await pool.query(
            "SELECT \(Self.columns) FROM webhook_subscriptions s WHERE TRUE \(status) \(paging.filter("s.id")) ORDER BY s.id DESC LIMIT \(paging.fetch)"
        )
        return paging.page(try rows.map { try $0.webhookSubscription() }, id: \.id)
    }

    func get(_ id: Int) async throws -> WebhookSubscription {
        guard let subscription = try await pool.withConnection({ try await Self.fetch(id, on: $0) }) else {
            throw APIError.notFound("webhook \(id) does not exist")
        }
        return subscription
    }

    func update(_ request: UpdateWebhook, by actor: AuditActor) async throws -> WebhookSubscription {
        let types = try request.eventTypes.map(Self.checkTypes)
        let description = try Self.checkDescription(request.description)
        return try await pool.withTransaction { connection in
            guard let before = try Self.fetch(request.id, on: connection, lock: true) else {
                throw APIError.notFound("webhook \(request.id) does not exist")
            }
            let status = request.status?.rawValue
            let reason = "disabled by \(actor.actor)"
            try connection.execute(
                """
                UPDATE webhook_subscriptions SET event_types = coalesce(\(types)::text[], event_types),
                    description = CASE WHEN \(request.description != nil)::boolean THEN \(description)::text ELSE description END,
                    status = coalesce(\(status)::text, status),
                    failing_since = CASE WHEN \(status)::text = 'active' THEN NULL ELSE failing_since END,
                    disabled_at = CASE WHEN \(status)::text = 'active' THEN NULL WHEN \(status)::text = 'disabled' AND status = 'active' THEN now() ELSE disabled_at END,
                    disabled_reason = CASE WHEN \(status)::text = 'active' THEN NULL WHEN \(status)::text = 'disabled' AND status = 'active' THEN \(reason)::text
                        ELSE disabled_reason END,
                    updated_at = now()
                WHERE id = \(request.id)
                """
            )
            let after = try Self.fetch(request.id, on: connection)!
            let action: String =
                switch (before.status, request.status) {
                case (.active, .disabled?): "disable"
                case (.disabled, .active?): "enable"
                default: "update"
                }
            try AuditLog.record(on: connection, by: actor, action: action, entity: "webhook", id: String(after.id), before: before, after: after)
            return after
        }
    }

    func delete(_ id: Int, by actor: AuditActor) async throws -> WebhookSubscription {
        try await pool.withTransaction { connection in
            guard let before = try Self.fetch(id, on: connection, lock: true) else { throw APIError.notFound("webhook \(id) does not exist") }
            try connection.execute("DELETE FROM webhook_subscriptions WHERE id = \(id)")
            try AuditLog.record(
                on: connection, by: actor, action: "delete", entity: "webhook", id: String(id), before: before, after: nil as WebhookSubscription?)
            return before
        }
    }

    func secret(_ id: Int) async throws -> SealedWebhookSecret {
        guard let row = try await pool.query("SELECT secret_sealed FROM webhook_subscriptions WHERE id = \(id)").first else {
            throw APIError.notFound("webhook \(id) does not exist")
        }
        return SealedWebhookSecret(id: id, sealedSecret: try row.decode(named: "secret_sealed"))
    }

    // MARK: Checks

    /// An absolute http(s) URL of at most 2,000 characters with a host; whether its target is allowed is psync-webhooks' check.
    static func checkURL(_ text: String) throws -> String {
        let url = text.trimmed()
        guard url.count <= maximumURL else { throw APIError.unprocessable("url must be at most \(maximumURL) characters", field: "url") }
        guard let name = Self.host(of: url), !name.isEmpty,
            !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " })
        else {
            throw APIError.unprocessable(
                "url must be an absolute http(s) URL such as https://example.com/hooks, got '\(url.prefix(60))'", field: "url")
        }
        return url
    }

    /// The host of an http(s) URL (without user, port or brackets), or nil when it is not one.
    static func host(of url: String) -> String? {
        let lower = url.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }) else { return nil }
        var authority = url.dropFirst(scheme.count).prefix { !"/?#".contains($0) }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.prefix { $0 != ":" })
    }

    static func checkTypes(_ types: [FeedEventType]) throws -> [String] {
        guard !types.isEmpty else {
            let known = FeedEventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.unprocessable("eventTypes must name at least one of \(known)", field: "eventTypes")
        }
        guard Set(types).count == types.count else { throw APIError.unprocessable("eventTypes must not repeat a type", field: "eventTypes") }
        return types.map(\.rawValue)
    }

    static func checkDescription(_ text: String?) throws -> String? {
        guard let text = try Validate.optionalText(text, field: "description", maximum: maximumDescription) else { return nil }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.unprocessable("description must not contain control characters", field: "description")
        }
        return text
    }

    // MARK: Rows

    static let columns: SQL = """
        s.id, s.url, s.event_types, s.portfolio_id, s.user_id, s.description, s.status, s.failing_since, s.disabled_at, s.disabled_reason, \
        s.created_at, s.updated_at, \
        (SELECT count(*)::int FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending') AS pending
        """

    static func fetch(_ id: Int, on connection: isolated PostgresConnection, lock: Bool = false) throws -> WebhookSubscription? {
        let locking: SQL = lock ? "FOR UPDATE OF s" : ""
        return try connection.query("SELECT \(columns) FROM webhook_subscriptions s WHERE s.id = \(id) \(locking)").first?.webhookSubscription()
    }
}

extension PostgresRow {
    func webhookSubscription() throws -> WebhookSubscription {
        WebhookSubscription(
            id: try decode(named: "id"),
            url: try decode(named: "url"),
            eventTypes: try decode([String].self, named: "event_types").compactMap(FeedEventType.init(rawValue:)),
            portfolioID: try decode(named: "portfolio_id"),
            userID: try decode(named: "user_id"),
            description: try decode(named: "description"),
            status: try enumeration(WebhookSubscription.Status.self, named: "status"),
            failingSince: try decode(named: "failing_since"),
            disabledAt: try decode(named: "disabled_at"),
            disabledReason: try decode(named: "disabled_reason"),
            pending: try decode(named: "pending"),
            createdAt: try decode(named: "created_at"),
            updatedAt: try decode(named: "updated_at")
        )
    }

    func webhookDelivery() throws -> WebhookDelivery {
        WebhookDelivery(
            id: try decode(named: "id"),
            subscriptionID: try decode(named: "subscription_id"),
            eventID: try decode(named: "event_id"),
            eventSequence: try decode(named: "event_seq"),
            eventType: try enumeration(FeedEventType.self, named: "event_type"),
            accountID: try decode(named: "account_id"),
            status: try enumeration(WebhookDelivery.Status.self, named: "status"),
            attempts: try decode(named: "attempts"),
            nextAttemptAt: try decode(named: "next_attempt_at"),
            firstAttemptAt: try decode(named: "first_attempt_at"),
            lastAttemptAt: try decode(named: "last_attempt_at"),
            deliveredAt: try decode(named: "delivered_at"),
            lastStatusCode: try decode(named: "last_status_code"),
            lastError: try decode(named: "last_error"),
            lastDurationMilliseconds: try decode(named: "last_duration_ms"),
            createdAt: try decode(named: "created_at")
        )
    }

    /// The feed event of a claimed delivery, selected with `WebhookStore.eventColumns`.
    func claimedEvent() throws -> FeedEvent {
        FeedEvent(
            id: try decode(named: "event_id"),
            sequence: try decode(named: "event_seq"),
            type: try enumeration(FeedEventType.self, named: "event_type"),
            version: try decode(named: "event_version"),
            createdAt: try decode(named: "event_created_at"),
            accountID: try decode(named: "event_account_id"),
            portfolioID: try decode(named: "event_portfolio_id"),
            userID: try decode(named: "event_user_id"),
            brokerCode: try decode(named: "event_broker_code"),
            runID: try decode(named: "event_run_id"),
            data: try json(named: "event_data") ?? .null
        )
    }
}
