import Contracts
import FoundationEssentials
import Hummingbird
import PostgresClient
import ServiceKit

/// Every persistence endpoint, bound to the store that serves it.
struct PersistenceRoutes {
    let users: UserStore
    let portfolios: PortfolioStore
    let accounts: AccountStore
    let holdings: HoldingsStore
    let transactions: TransactionStore
    let totals: TotalsStore
    let runs: RunStore
    let schedules: ScheduleStore
    let results: ResultWriter
    let pool: PostgresPool

    func register(on router: Router<ServiceRequestContext>) {
        router.add(middleware: DatabaseErrorMiddleware())
        registerAdmin(on: router)
        registerQueries(on: router)
        registerRuns(on: router)
        registerSchedules(on: router)
        registerMonitor(on: router)
        registerWebhooks(on: router)
    }

    private func registerMonitor(on router: Router<ServiceRequestContext>) {
        let monitor = MonitorStore(pool: pool, publisher: runs.publisher, logger: runs.logger)
        router.on(PersistenceAPI.reopenJobs) { request, context in try await monitor.reopen(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.jobStatistics) { request, _ in try await monitor.statistics(request) }
        router.on(PersistenceAPI.recordAudit) { request, context in try await monitor.record(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.overviewFigures) { _, _ in try await monitor.overview() }
        router.on(PersistenceAPI.portfolioHistory) { request, _ in try await holdings.history(request) }
    }

    private func registerAdmin(on router: Router<ServiceRequestContext>) {
        router.on(PersistenceAPI.createUser) { request, context in try await users.create(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.listUsers) { request, _ in try await users.list(request) }
        router.on(PersistenceAPI.getUser) { request, _ in try await users.get(request.id) }
        router.on(PersistenceAPI.updateUser) { request, context in try await users.update(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.deleteUser) { request, context in try await users.delete(request.id, by: AuditActor(context)) }

        router.on(PersistenceAPI.createPortfolio) { request, context in try await portfolios.create(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.listPortfolios) { request, _ in try await portfolios.list(request) }
        router.on(PersistenceAPI.getPortfolio) { request, _ in try await portfolios.get(request.id) }
        router.on(PersistenceAPI.updatePortfolio) { request, context in try await portfolios.update(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.deletePortfolio) { request, context in try await portfolios.delete(request.id, by: AuditActor(context)) }

        router.on(PersistenceAPI.listBrokers) { _, _ in try await accounts.brokers() }
        router.on(PersistenceAPI.updateBroker) { request, context in try await accounts.updateBroker(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.createAccount) { request, context in try await accounts.create(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.listAccounts) { request, _ in try await accounts.list(request) }
        router.on(PersistenceAPI.getAccount) { request, _ in try await accounts.get(request.id) }
        router.on(PersistenceAPI.updateAccount) { request, context in
            try await authorizeBroker(of: request.id, context)
            return try await accounts.update(request, by: AuditActor(context))
        }
        router.on(PersistenceAPI.deleteAccount) { request, context in try await accounts.delete(request.id, by: AuditActor(context)) }

        router.on(PersistenceAPI.storeCredentials) { request, context in
            try await authorizeBroker(of: request.id, context)
            return try await accounts.storeCredentials(request, by: AuditActor(context))
        }
        router.on(PersistenceAPI.getCredentials) { request, context in
            try await authorizeBroker(of: request.id, context)
            return try await accounts.credentials(request.id)
        }
        router.on(PersistenceAPI.listCredentials) { request, context in
            var request = request
            // A gateway sees only its own broker's boxes, whatever it asks for.
            if let broker = context.principal?.broker {
                if let asked = request.brokerCode, asked.uppercased() != broker { try context.authorize(broker: asked.uppercased()) }
                request.brokerCode = broker
            }
            return try await accounts.listCredentials(request)
        }

        router.on(PersistenceAPI.listAudit) { request, _ in try await AuditLog.list(request, pool: pool) }
    }

    private func registerQueries(on router: Router<ServiceRequestContext>) {
        let feed = FeedStore(pool: pool)
        router.on(PersistenceAPI.feed) { request, _ in try await feed.list(request) }
        router.on(PersistenceAPI.accountHoldings) { request, _ in try await holdings.account(request.id) }
        router.on(PersistenceAPI.portfolioHoldings) { request, _ in try await holdings.portfolio(request.id) }
        router.on(PersistenceAPI.accountPositions) { request, _ in try await holdings.account(request.id, kind: .positions) }
        router.on(PersistenceAPI.portfolioPositions) { request, _ in try await holdings.portfolio(request.id, kind: .positions) }
        router.on(PersistenceAPI.userHoldings) { request, _ in try await holdings.user(request.id) }
        router.on(PersistenceAPI.accountSnapshots) { request, _ in try await holdings.snapshots(request) }
        router.on(PersistenceAPI.snapshotHoldings) { request, _ in try await holdings.snapshot(request.id) }
        router.on(PersistenceAPI.portfolioTotals) { request, _ in try await holdings.totals(request) }
        router.on(PersistenceAPI.accountTransactions) { request, _ in try await transactions.list(request) }
        router.on(PersistenceAPI.storeSnapshot) { request, context in
            try await authorizeBroker(of: request.id, context)
            return try await storeSnapshot(request)
        }
        router.on(PersistenceAPI.storeTransactions) { request, context in
            try await authorizeBroker(of: request.id, context)
            return try await storeTransactions(request)
        }
    }

    private func registerRuns(on router: Router<ServiceRequestContext>) {
        router.on(PersistenceAPI.createRun) { request, context in try await runs.create(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.runJobs) { request, _ in try await runs.jobs(request) }
        router.on(PersistenceAPI.queuedJobs) { request, _ in try await runs.queuedJobs(request) }
        router.on(PersistenceAPI.markRunDispatched) { request, _ in try await runs.markDispatched(request.id) }
        router.on(PersistenceAPI.completeRun) { request, _ in try await runs.complete(request.id) }
        router.on(PersistenceAPI.listRuns) { request, _ in try await runs.list(request) }
        router.on(PersistenceAPI.getRun) { request, _ in try await runs.detail(request.id) }
        router.on(PersistenceAPI.cancelRun) { request, context in try await runs.cancel(request.id, by: AuditActor(context)) }
        router.on(PersistenceAPI.listJobs) { request, _ in try await runs.listJobs(request) }
        router.on(PersistenceAPI.getJob) { request, _ in try await runs.job(request.id) }
        router.on(PersistenceAPI.updateJobStates) { request, context in try await results.endJobs(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.recomputeTotals) { request, _ in try await totals.recompute(request) }
        router.on(PersistenceAPI.syncTargets) { request, _ in try await runs.syncTargets(request) }
    }

    private func registerSchedules(on router: Router<ServiceRequestContext>) {
        router.on(PersistenceAPI.createSchedule) { request, context in try await schedules.create(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.updateSchedule) { request, context in try await schedules.update(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.deleteSchedule) { request, context in try await schedules.delete(request.id, by: AuditActor(context)) }
        router.on(PersistenceAPI.listSchedules) { request, _ in try await schedules.list(request) }
        router.on(PersistenceAPI.getSchedule) { request, _ in try await schedules.get(request.id) }
        router.on(PersistenceAPI.scheduleChangeMark) { _, _ in try await schedules.changeMark() }
        router.on(PersistenceAPI.recordFire) { request, context in try await schedules.recordFire(request, by: AuditActor(context)) }
        router.on(PersistenceAPI.listScheduleFires) { request, _ in try await schedules.fires(request) }
        router.on(PersistenceAPI.advanceSchedule) { request, _ in try await schedules.advance(request) }
        router.on(PersistenceAPI.markFiresSent) { request, _ in try await schedules.markSent(request) }
        router.on(PersistenceAPI.unsentFires) { _, _ in try await schedules.unsent() }
    }

    /// Throws 403 when a gateway names an account of another broker (a missing account is left to the handler's 404).
    private func authorizeBroker(of accountID: Int, _ context: ServiceRequestContext) async throws {
        guard context.principal?.broker != nil else { return }
        guard let row = try await pool.query("SELECT broker_code FROM broker_accounts WHERE id = \(accountID)").first else { return }
        try context.authorize(broker: try row.decode(String.self, at: 0))
    }

    /// The synchronous path and statement imports: a snapshot fetched in the request, stored whole like one from the
    /// stream; a holdings snapshot recomputes its portfolio's totals in the same transaction, as a run's end would.
    private func storeSnapshot(_ request: StoreSnapshot) async throws -> SnapshotSummary {
        if let problem = ResultCheck.problem(in: request.snapshot) { throw APIError.unprocessable(problem, field: "snapshot") }
        return try await pool.withTransaction { connection in
            guard let portfolioID = try connection.query("SELECT portfolio_id FROM broker_accounts WHERE id = \(request.id)").first else {
                throw APIError.notFound("account \(request.id) does not exist")
            }
            let positions = request.positions == true
            let input = SnapshotInsert.Input(accountID: request.id, runID: nil, jobID: nil, snapshot: request.snapshot, positions: positions)
            if !(try SnapshotInsert.store([input], on: connection)).isEmpty, !positions {
                _ = try TotalsStore.recompute(portfolioIDs: [try portfolioID.decode(Int.self, at: 0)], runID: nil, on: connection)
            }
            return try connection.query(
                "SELECT \(Columns.snapshot) FROM holding_snapshots s WHERE s.account_id = \(request.id) AND s.source_snapshot_id = \(request.snapshot.sourceSnapshotID)"
            ).first!.snapshotSummary()
        }
    }

    private func storeTransactions(_ request: StoreTransactions) async throws -> StoredCount {
        let probe = JobResult(
            jobID: 0, runID: nil, accountID: request.id, portfolioID: 0, brokerCode: "", action: .transactions, attempt: 1, worker: "",
            startedAt: Date(), finishedAt: Date(), outcome: .succeeded, transactions: request.batch
        )
        if let problem = ResultCheck.problem(in: probe) { throw APIError.unprocessable(problem, field: "batch") }
        return try await pool.withTransaction { connection in
            guard try connection.query("SELECT 1 FROM broker_accounts WHERE id = \(request.id)").first != nil else {
                throw APIError.notFound("account \(request.id) does not exist")
            }
            let stored = try TransactionStore.upsert([(request.id, request.batch)], on: connection)
            try connection.execute("UPDATE broker_accounts SET last_synced_at = now(), last_error = NULL WHERE id = \(request.id)")
            return StoredCount(stored: stored)
        }
    }
}
