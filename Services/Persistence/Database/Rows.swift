import Contracts
import FoundationEssentials
import PostgresClient

/// Column lists and row decoders, one per domain type, so every query selects the same shape.
enum Columns {
    static let user: SQL = "u.id, u.email, u.name, u.active, u.created_at, u.updated_at"
    static let portfolio: SQL = "p.id, p.user_id, p.name, p.base_currency, p.active, p.created_at, p.updated_at"
    static let account: SQL = """
        a.id, a.portfolio_id, p.user_id, a.broker_code, a.label, a.external_user_id, a.api_key_id, a.status, a.last_synced_at, \
        a.last_error, EXISTS (SELECT 1 FROM credentials c WHERE c.account_id = a.id) AS has_credentials, a.created_at, a.updated_at, \
        (SELECT c.expires_at FROM credentials c WHERE c.account_id = a.id) AS login_expires_at, \
        (\(nextScheduledRun)) AS next_scheduled_run_at
        """
    /// The next fire of an enabled schedule whose scope covers account `a` (of portfolio `p`).
    static let nextScheduledRun: SQL = """
        SELECT min(sc.next_run_at) FROM schedules sc WHERE sc.enabled AND sc.next_run_at IS NOT NULL AND (sc.scope_kind = 'all' \
        OR (sc.scope_kind = 'user' AND sc.scope_id = p.user_id) OR (sc.scope_kind = 'portfolio' AND sc.scope_id = a.portfolio_id) \
        OR (sc.scope_kind = 'account' AND sc.scope_id = a.id))
        """
    static let holding: SQL = """
        h.symbol, h.exchange, h.isin, h.asset_type, h.quantity, h.avg_price, h.last_price, h.currency, h.cost_value, h.market_value, \
        h.free_quantity, h.unsettled_quantity, h.pledged_quantity, h.lot, h.multiplier, h.meta::text AS meta
        """
    static let snapshot: SQL = """
        s.id, s.account_id, s.run_id, s.job_id, s.source_snapshot_id, s.as_of, s.row_count, s.notes::text AS notes, \
        (s.id = (SELECT CASE WHEN s.kind = 'positions' THEN current_positions_snapshot_id ELSE current_snapshot_id END \
            FROM broker_accounts WHERE id = s.account_id)) AS is_current
        """
    static let run: SQL = """
        r.id, r.trigger, r.schedule_id, r.fire_time, r.scope_kind, r.scope_id, r.actions, r.status, r.requested_by, r.total_jobs, \
        r.succeeded, r.failed, r.dead, r.cancelled, r.reauth_required, r.skipped_users, r.skipped_portfolios, r.skipped_accounts, r.skipped_reauth, \
        r.created_at, r.dispatched_at, r.finished_at, r.deadline_at
        """
    static let job: SQL = """
        j.id, j.run_id, j.account_id, j.portfolio_id, j.broker_code, j.action, j.status, j.attempts, j.last_error, j.error_kind, \
        j.worker, j.queued_at, j.started_at, j.finished_at, j.next_attempt_at, j.note
        """
    static let feedEvent: SQL = """
        e.seq, e.id::text AS id, e.type, e.version, e.created_at, e.account_id, e.portfolio_id, e.user_id, e.broker_code, e.run_id, \
        e.data::text AS data
        """
    static let schedule: SQL = """
        sc.id, sc.name, sc.kind, sc.every_seconds, sc.cron, sc.time_zone, sc.run_at, sc.scope_kind, sc.scope_id, sc.actions, sc.enabled, \
        sc.misfire_policy, sc.last_run_at, sc.total_run_count, sc.next_run_at, sc.version, sc.created_at, sc.updated_at
        """
}

extension PostgresRow {
    /// A text column read as a `String`-backed enum; an unknown value is a decoding error.
    func enumeration<Value: RawRepresentable>(_ type: Value.Type, named name: String) throws -> Value where Value.RawValue == String {
        let raw: String = try decode(named: name)
        guard let value = Value(rawValue: raw) else { throw PostgresError.decodingFailure("'\(raw)' is not a valid \(Value.self)") }
        return value
    }

    func optionalEnumeration<Value: RawRepresentable>(_ type: Value.Type, named name: String) throws -> Value? where Value.RawValue == String {
        guard let raw: String = try decode(String?.self, named: name) else { return nil }
        return Value(rawValue: raw)
    }

    /// A `jsonb` column as a `JSONValue`.
    func json(named name: String) throws -> JSONValue? {
        guard let text: String = try decode(String?.self, named: name) else { return nil }
        return try JSONCoding.decode(JSONValue.self, from: Array(text.utf8))
    }

    /// A `jsonb` column selected as text, passed on unparsed.
    func rawJSON(named name: String) throws -> RawJSON? {
        try decode(String?.self, named: name).map(RawJSON.init(text:))
    }

    func user() throws -> User {
        User(
            id: try decode(named: "id"),
            email: try decode(named: "email"),
            name: try decode(named: "name"),
            active: try decode(named: "active"),
            createdAt: try decode(named: "created_at"),
            updatedAt: try decode(named: "updated_at")
        )
    }

    func portfolio() throws -> Portfolio {
        Portfolio(
            id: try decode(named: "id"),
            userID: try decode(named: "user_id"),
            name: try decode(named: "name"),
            baseCurrency: try decode(named: "base_currency"),
            active: try decode(named: "active"),
            createdAt: try decode(named: "created_at"),
            updatedAt: try decode(named: "updated_at")
        )
    }

    func account() throws -> BrokerAccount {
        BrokerAccount(
            id: try decode(named: "id"),
            portfolioID: try decode(named: "portfolio_id"),
            userID: try decode(named: "user_id"),
            brokerCode: try decode(named: "broker_code"),
            label: try decode(named: "label"),
            externalUserID: try decode(named: "external_user_id"),
            apiKeyID: try decode(named: "api_key_id"),
            status: try enumeration(AccountStatus.self, named: "status"),
            lastSyncedAt: try decode(named: "last_synced_at"),
            lastError: try decode(named: "last_error"),
            hasCredentials: try decode(named: "has_credentials"),
            createdAt: try decode(named: "created_at"),
            updatedAt: try decode(named: "updated_at"),
            loginExpiresAt: try decode(named: "login_expires_at"),
            nextScheduledRunAt: try decode(named: "next_scheduled_run_at")
        )
    }

    func brokerType() throws -> BrokerType {
        BrokerType(
            code: try decode(named: "code"), name: try decode(named: "name"), enabled: try decode(named: "enabled"),
            capabilities: try decode([String].self, named: "capabilities").compactMap(BrokerCapability.init(rawValue:)))
    }

    /// A feed event selected with `Columns.feedEvent`.
    func feedEvent() throws -> FeedEvent {
        FeedEvent(
            id: try decode(named: "id"), sequence: try decode(named: "seq"), type: try enumeration(FeedEventType.self, named: "type"),
            version: try decode(named: "version"), createdAt: try decode(named: "created_at"), accountID: try decode(named: "account_id"),
            portfolioID: try decode(named: "portfolio_id"), userID: try decode(named: "user_id"), brokerCode: try decode(named: "broker_code"),
            runID: try decode(named: "run_id"), data: try json(named: "data") ?? .null)
    }

    func holding() throws -> Holding {
        Holding(
            symbol: try decode(named: "symbol"),
            exchange: try decode(named: "exchange"),
            isin: try decode(named: "isin"),
            assetType: try enumeration(AssetType.self, named: "asset_type"),
            quantity: try decode(named: "quantity"),
            averagePrice: try decode(named: "avg_price"),
            lastPrice: try decode(named: "last_price"),
            currency: try decode(named: "currency"),
            costValue: try decode(Decimal.self, named: "cost_value"),
            marketValue: try decode(Decimal?.self, named: "market_value"),
            split: try heldQuantity(),
            lot: try optionalEnumeration(HoldingLot.self, named: "lot"),
            multiplier: try decode(Decimal?.self, named: "multiplier"),
            meta: try rawJSON(named: "meta")
        )
    }

    /// The free / unsettled / pledged split, when the broker gave one.
    private func heldQuantity() throws -> HeldQuantity? {
        guard let free = try decode(Decimal?.self, named: "free_quantity"), let unsettled = try decode(Decimal?.self, named: "unsettled_quantity"),
            let pledged = try decode(Decimal?.self, named: "pledged_quantity")
        else { return nil }
        return HeldQuantity(free: free, unsettled: unsettled, pledged: pledged)
    }

    /// A `jsonb` array of snapshot notes.
    func snapshotNotes(named name: String) throws -> [SnapshotNote] {
        guard let text: String = try decode(String?.self, named: name) else { return [] }
        return try JSONCoding.decode([SnapshotNote].self, from: Array(text.utf8))
    }

    func snapshotSummary() throws -> SnapshotSummary {
        SnapshotSummary(
            id: try decode(named: "id"),
            accountID: try decode(named: "account_id"),
            runID: try decode(named: "run_id"),
            jobID: try decode(named: "job_id"),
            sourceSnapshotID: try decode(named: "source_snapshot_id"),
            asOf: try decode(named: "as_of"),
            rowCount: try decode(named: "row_count"),
            current: try decode(Bool?.self, named: "is_current") ?? false,
            notes: try snapshotNotes(named: "notes")
        )
    }

    func currencyTotal() throws -> CurrencyTotal {
        CurrencyTotal(
            currency: try decode(named: "currency"),
            costValue: try decode(named: "cost_value"),
            marketValue: try decode(named: "market_value"),
            unrealisedPnL: try decode(named: "unrealised_pnl"),
            holdingsCount: try decode(named: "holdings_count")
        )
    }

    func run() throws -> Run {
        Run(
            id: try decode(named: "id"),
            trigger: try enumeration(RunTrigger.self, named: "trigger"),
            scheduleID: try decode(named: "schedule_id"),
            fireTime: try decode(named: "fire_time"),
            scope: SyncScope(kind: try enumeration(ScopeKind.self, named: "scope_kind"), id: try decode(named: "scope_id")),
            actions: try decode([String].self, named: "actions").compactMap(JobAction.init(rawValue:)),
            status: try enumeration(RunStatus.self, named: "status"),
            requestedBy: try decode(named: "requested_by"),
            counts: RunCounts(
                total: try decode(named: "total_jobs"),
                succeeded: try decode(named: "succeeded"),
                failed: try decode(named: "failed"),
                dead: try decode(named: "dead"),
                cancelled: try decode(named: "cancelled"),
                reauthRequired: try decode(named: "reauth_required"),
                skippedUsers: try decode(named: "skipped_users"),
                skippedPortfolios: try decode(named: "skipped_portfolios"),
                skippedAccounts: try decode(named: "skipped_accounts"),
                skippedReauth: try decode(named: "skipped_reauth")
            ),
            createdAt: try decode(named: "created_at"),
            dispatchedAt: try decode(named: "dispatched_at"),
            finishedAt: try decode(named: "finished_at"),
            deadlineAt: try decode(named: "deadline_at")
        )
    }

    func job() throws -> Job {
        Job(
            id: try decode(named: "id"),
            runID: try decode(named: "run_id"),
            accountID: try decode(named: "account_id"),
            portfolioID: try decode(named: "portfolio_id"),
            brokerCode: try decode(named: "broker_code"),
            action: try enumeration(JobAction.self, named: "action"),
            status: try enumeration(JobStatus.self, named: "status"),
            attempts: try decode(named: "attempts"),
            lastError: try decode(named: "last_error"),
            errorKind: try optionalEnumeration(FailureKind.self, named: "error_kind"),
            worker: try decode(named: "worker"),
            queuedAt: try decode(named: "queued_at"),
            startedAt: try decode(named: "started_at"),
            finishedAt: try decode(named: "finished_at"),
            nextAttemptAt: try decode(named: "next_attempt_at"),
            note: try decode(named: "note")
        )
    }

    func schedule() throws -> Schedule {
        Schedule(
            id: try decode(named: "id"),
            definition: ScheduleDefinition(
                name: try decode(named: "name"),
                kind: try enumeration(ScheduleKind.self, named: "kind"),
                everySeconds: try decode(named: "every_seconds"),
                cron: try decode(named: "cron"),
                timeZone: try decode(named: "time_zone"),
                runAt: try decode(named: "run_at"),
                scope: SyncScope(kind: try enumeration(ScopeKind.self, named: "scope_kind"), id: try decode(named: "scope_id")),
                actions: try decode([String].self, named: "actions").compactMap(JobAction.init(rawValue:)),
                enabled: try decode(named: "enabled"),
                misfirePolicy: try enumeration(MisfirePolicy.self, named: "misfire_policy")
            ),
            lastRunAt: try decode(named: "last_run_at"),
            totalRunCount: try decode(named: "total_run_count"),
            nextRunAt: try decode(named: "next_run_at"),
            version: try decode(named: "version"),
            createdAt: try decode(named: "created_at"),
            updatedAt: try decode(named: "updated_at")
        )
    }
}
