import Contracts
import FoundationEssentials
import PostgresClient

/// Broker types, broker accounts and their sealed credentials.
struct AccountStore: Sendable {
    let pool: PostgresPool

    func brokers() async throws -> [BrokerType] {
        try await pool.query("SELECT code, name, enabled, capabilities FROM broker_types ORDER BY code").map { try $0.brokerType() }
    }

    func updateBroker(_ request: UpdateBroker, by actor: AuditActor) async throws -> BrokerType {
        try await pool.withTransaction { connection in
            guard
                let row = try connection.query(
                    "UPDATE broker_types SET enabled = \(request.enabled) WHERE code = \(request.code.uppercased()) RETURNING code, name, enabled, capabilities"
                ).first
            else { throw APIError.notFound("broker '\(request.code.prefix(40))' does not exist") }
            let broker = try row.brokerType()
            try AuditLog.record(
                on: connection, by: actor, action: request.enabled ? "enable" : "disable", entity: "broker", id: broker.code,
                before: nil as BrokerType?,
                after: broker
            )
            return broker
        }
    }

    func create(_ request: CreateAccount, by actor: AuditActor) async throws -> BrokerAccount {
        try Validate.positive(request.portfolioID, field: "portfolioID")
        let label = try Validate.name(request.label, field: "label", maximum: 100)
        let broker = request.brokerCode.trimmed().uppercased()
        let external = try Validate.optionalText(request.externalUserID, field: "externalUserID")
        let apiKey = try Validate.optionalText(request.apiKeyID, field: "apiKeyID")
        do {
            return try await pool.withTransaction { connection in
                guard try connection.query("SELECT 1 FROM portfolios WHERE id = \(request.portfolioID)").first != nil else {
                    throw APIError.notFound("portfolio \(request.portfolioID) does not exist")
                }
                guard let enabled = try connection.query("SELECT enabled FROM broker_types WHERE code = \(broker)").first else {
                    let known = try connection.query("SELECT string_agg(code, ', ' ORDER BY code) FROM broker_types").scalar(String.self)
                    throw APIError.unprocessable("broker '\(broker.prefix(40))' does not exist; known brokers: \(known)", field: "brokerCode")
                }
                guard try enabled.decode(Bool.self, at: 0) else {
                    throw APIError.unprocessable("broker \(broker) is disabled; enable it first", field: "brokerCode")
                }
                let id: Int = try connection.query(
                    """
                    INSERT INTO broker_accounts (portfolio_id, broker_code, label, external_user_id, api_key_id)
                    VALUES (\(request.portfolioID), \(broker), \(label), \(external), \(apiKey)) RETURNING id
                    """
                ).scalar()
                let account = try Self.fetch(id, on: connection)!
                try AuditLog.record(
                    on: connection, by: actor, action: "create", entity: "account", id: String(id), before: nil as BrokerAccount?, after: account)
                return account
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict(
                "portfolio \(request.portfolioID) already has an account labelled '\(label)'", details: .object(["field": .string("label")]))
        }
    }

    func list(_ request: ListAccounts) async throws -> Page<BrokerAccount> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let portfolioID = request.portfolioID { filters.append("a.portfolio_id = \(portfolioID)") }
        if let userID = request.userID { filters.append("p.user_id = \(userID)") }
        if let broker = request.brokerCode { filters.append("a.broker_code = \(broker.uppercased())") }
        if let status = request.status { filters.append("a.status = \(status.rawValue)") }
        if let pattern = try SearchPattern.make(request.search) {
            filters.append(
                """
                (a.label ILIKE \(pattern) OR a.broker_code ILIKE \(pattern) OR a.status ILIKE \(pattern) OR p.name ILIKE \(pattern)
                    OR EXISTS (SELECT 1 FROM users o WHERE o.id = p.user_id AND (o.name ILIKE \(pattern) OR o.email ILIKE \(pattern))))
                """)
        }
        if request.loginExpiresBeforeNextRun == true {
            // Only accounts whose login has an end at all (a few brokers'), read by primary key: without this the comparison
            // below ran for every account, 650 ms a page at 100,000 accounts; with it, 23 ms (BENCHMARKS.md "Overview at scale").
            filters.append("a.id = ANY(ARRAY(SELECT c.account_id FROM credentials c WHERE c.expires_at IS NOT NULL))")
            filters.append("(SELECT c.expires_at FROM credentials c WHERE c.account_id = a.id) <= (\(Columns.nextScheduledRun))")
        }
        let rows = try await pool.query(
            """
            SELECT \(Columns.account) FROM broker_accounts a JOIN portfolios p ON p.id = a.portfolio_id
            WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("a.id")) ORDER BY a.id DESC LIMIT \(paging.fetch)
            """
        )
        return paging.page(try rows.map { try $0.account() }, id: \.id)
    }

    func get(_ id: Int) async throws -> BrokerAccount {
        guard let account = try await pool.withConnection({ try await Self.fetch(id, on: $0) }) else {
            throw APIError.notFound("account \(id) does not exist")
        }
        return account
    }

    func update(_ request: UpdateAccount, by actor: AuditActor) async throws -> BrokerAccount {
        if request.status == .reauthRequired {
            throw APIError.unprocessable(
                "status can be set to active or disabled; reauth_required is set when a broker refuses the login", field: "status")
        }
        let label = try request.label.map { try Validate.name($0, field: "label", maximum: 100) }
        let external = try Validate.optionalText(request.externalUserID, field: "externalUserID")
        let apiKey = try Validate.optionalText(request.apiKeyID, field: "apiKeyID")
        do {
            return try await pool.withTransaction { connection in
                guard let before = try Self.fetch(request.id, on: connection, lock: true) else {
                    throw APIError.notFound("account \(request.id) does not exist")
                }
                try connection.execute(
                    """
                    UPDATE broker_accounts SET label = coalesce(\(label), label), external_user_id = coalesce(\(external), external_user_id),
                        api_key_id = coalesce(\(apiKey), api_key_id), status = coalesce(\(request.status?.rawValue), status),
                        last_error = CASE WHEN \(request.status?.rawValue) = 'active' THEN NULL ELSE last_error END, updated_at = now()
                    WHERE id = \(request.id)
                    """
                )
                let after = try Self.fetch(request.id, on: connection)!
                let action = request.status.map { $0 == .disabled ? "disable" : "enable" } ?? "update"
                try AuditLog.record(on: connection, by: actor, action: action, entity: "account", id: String(after.id), before: before, after: after)
                return after
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("the portfolio already has an account labelled '\(label ?? "")'", details: .object(["field": .string("label")]))
        }
    }

    func delete(_ id: Int, by actor: AuditActor) async throws -> Deleted {
        try await pool.withTransaction { connection in
            guard let before = try Self.fetch(id, on: connection, lock: true) else { throw APIError.notFound("account \(id) does not exist") }
            try connection.execute("DELETE FROM broker_accounts WHERE id = \(id)")
            try AuditLog.record(
                on: connection, by: actor, action: "delete", entity: "account", id: String(id), before: before, after: nil as BrokerAccount?)
            return Deleted(id: id)
        }
    }

    static func fetch(_ id: Int, on connection: isolated PostgresConnection, lock: Bool = false) throws -> BrokerAccount? {
        let locking: SQL = lock ? "FOR UPDATE OF a" : ""
        return try connection.query(
            "SELECT \(Columns.account) FROM broker_accounts a JOIN portfolios p ON p.id = a.portfolio_id WHERE a.id = \(id) \(locking)"
        ).first?.account()
    }

    // MARK: Credentials: only sealed boxes pass through here.

    func storeCredentials(_ request: StoreCredentials, by actor: AuditActor) async throws -> SealedCredentials {
        let keyID = request.keyID.trimmed()
        guard !keyID.isEmpty, keyID.utf8.count <= 255 else { throw APIError.unprocessable("keyID must be 1-255 bytes", field: "keyID") }
        guard let box = Data(base64Encoded: request.sealedBox), box.count >= 30, box.count <= 64 << 10 else {
            throw APIError.unprocessable("sealedBox must be a base64 sealed box of at most 64 KiB", field: "sealedBox")
        }
        return try await pool.withTransaction { connection in
            guard try connection.query("SELECT 1 FROM broker_accounts WHERE id = \(request.id)").first != nil else {
                throw APIError.notFound("account \(request.id) does not exist")
            }
            let updatedAt: Date = try connection.query(
                """
                INSERT INTO credentials (account_id, key_id, sealed_box, issued_at, expires_at)
                VALUES (\(request.id), \(keyID), \(PostgresBytes(Array(box))), \(request.issuedAt), \(request.expiresAt))
                ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, sealed_box = excluded.sealed_box, issued_at = excluded.issued_at,
                    expires_at = excluded.expires_at, updated_at = now()
                RETURNING updated_at
                """
            ).scalar()
            if request.renewsLogin == true {
                try connection.execute(
                    "UPDATE broker_accounts SET status = 'active', last_error = NULL, updated_at = now() WHERE id = \(request.id) AND status = 'reauth_required'"
                )
            }
            try AuditLog.record(
                on: connection, by: actor, action: "store_credentials", entity: "account", id: String(request.id), before: nil as JSONValue?,
                after: JSONValue.object(["keyID": .string(keyID)])
            )
            return SealedCredentials(
                accountID: request.id, keyID: keyID, sealedBox: request.sealedBox, updatedAt: updatedAt, issuedAt: request.issuedAt,
                expiresAt: request.expiresAt)
        }
    }

    func credentials(_ id: Int) async throws -> SealedCredentials {
        guard
            let row = try await pool.query("SELECT key_id, sealed_box, updated_at, issued_at, expires_at FROM credentials WHERE account_id = \(id)")
                .first
        else {
            if try await pool.query("SELECT 1 FROM broker_accounts WHERE id = \(id)").first == nil {
                throw APIError.notFound("account \(id) does not exist")
            }
            throw APIError.notFound("account \(id) has no credentials; set them with `psync credentials set \(id)`")
        }
        return SealedCredentials(
            accountID: id,
            keyID: try row.decode(named: "key_id"),
            sealedBox: Data(try row.decode(PostgresBytes.self, named: "sealed_box").bytes).base64EncodedString(),
            updatedAt: try row.decode(named: "updated_at"),
            issuedAt: try row.decode(named: "issued_at"),
            expiresAt: try row.decode(named: "expires_at")
        )
    }

    func listCredentials(_ request: ListCredentials) async throws -> Page<SealedCredentials> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let excluded = request.excludingKeyID { filters.append("c.key_id <> \(excluded)") }
        if let broker = request.brokerCode { filters.append("a.broker_code = \(broker.uppercased())") }
        if let accounts = request.accountIDs { filters.append("c.account_id = ANY(\(accounts))") }
        let rows = try await pool.query(
            """
            SELECT c.account_id, c.key_id, c.sealed_box, c.updated_at, c.issued_at, c.expires_at FROM credentials c JOIN broker_accounts a ON a.id = c.account_id
            WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("c.account_id")) ORDER BY c.account_id DESC LIMIT \(paging.fetch)
            """
        )
        let items = try rows.map { row in
            SealedCredentials(
                accountID: try row.decode(named: "account_id"),
                keyID: try row.decode(named: "key_id"),
                sealedBox: Data(try row.decode(PostgresBytes.self, named: "sealed_box").bytes).base64EncodedString(),
                updatedAt: try row.decode(named: "updated_at"),
                issuedAt: try row.decode(named: "issued_at"),
                expiresAt: try row.decode(named: "expires_at")
            )
        }
        return paging.page(items, id: \.accountID)
    }
}
