import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Totals, runs, listings and schedules")
struct TotalsAndQueryTests {
    @Test("totals per currency are exact, recomputed once per portfolio when its jobs end")
    func totals() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, portfolio, _) = try await fixture.makeAccounts(2)
        let (run, jobs) = try await fixture.makeRun(.portfolio(portfolio.id))
        let d = { (text: String) in Decimal(string: text)! }
        let inr = [
            Holding(
                symbol: "A", exchange: "NSE", isin: nil, assetType: .stock, quantity: d("0.1"), averagePrice: d("1234.5678"), lastPrice: d("1300.01"),
                currency: "INR"),
            Holding(
                symbol: "B", exchange: "NSE", isin: nil, assetType: .stock, quantity: d("0.2"), averagePrice: d("10"), lastPrice: nil, currency: "INR"
            ),
        ]
        let usd = [
            Holding(
                symbol: "C", exchange: "NASDAQ", isin: nil, assetType: .etf, quantity: d("3"), averagePrice: d("19.99"), lastPrice: d("18.5"),
                currency: "USD")
        ]
        try await fixture.publish([Sample.success(jobs[0], holdings: inr), Sample.success(jobs[1], holdings: usd)])
        try await fixture.waitForJob(jobs[0].id, .succeeded)
        try await fixture.waitForJob(jobs[1].id, .succeeded)
        let first = try await fixture.client(as: Principal(.dispatcher)).call(PersistenceAPI.completeRun, ByID(id: run.id))
        #expect(first.finishedNow && first.recomputedPortfolios == [portfolio.id])
        let again = try await fixture.client(as: Principal(.dispatcher)).call(PersistenceAPI.completeRun, ByID(id: run.id))
        #expect(!again.finishedNow && again.recomputedPortfolios.isEmpty)
        let totals = try await fixture.admin.call(PersistenceAPI.portfolioTotals, ListTotals(id: portfolio.id)).items
        #expect(totals.count == 2)
        let byCurrency = Dictionary(uniqueKeysWithValues: totals.map { ($0.total.currency, $0.total) })
        // INR: cost 0.1 × 1234.5678 + 0.2 × 10 = 125.45678; market 0.1 × 1300.01 + 0.2 × 10 (no price: at cost) = 132.001.
        #expect(
            byCurrency["INR"]
                == CurrencyTotal(currency: "INR", costValue: d("125.45678"), marketValue: d("132.001"), unrealisedPnL: d("6.54422"), holdingsCount: 2)
        )
        // USD: cost 3 × 19.99 = 59.97; market 3 × 18.5 = 55.5.
        #expect(
            byCurrency["USD"]
                == CurrencyTotal(currency: "USD", costValue: d("59.97"), marketValue: d("55.5"), unrealisedPnL: d("-4.47"), holdingsCount: 1))
        let live = try await fixture.admin.call(PersistenceAPI.portfolioHoldings, ByID(id: portfolio.id))
        #expect(live.totals.map(\.currency) == ["INR", "USD"])
        #expect(live.accounts.map(\.holdings.count) == [2, 1])
        await fixture.stop()
    }

    @Test("a run skips inactive users, portfolios and accounts, and counts them")
    func runScope() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, active) = try await fixture.makeAccounts(3)
        try await fixture.admin.call(PersistenceAPI.updateAccount, UpdateAccount(id: active[2].id, status: .disabled))
        let (idle, _, _) = try await fixture.makeAccounts(2)
        try await fixture.admin.call(PersistenceAPI.updateUser, UpdateUser(id: idle.id, active: false))
        let (_, parked, _) = try await fixture.makeAccounts(1)
        try await fixture.admin.call(PersistenceAPI.updatePortfolio, UpdatePortfolio(id: parked.id, active: false))
        let (run, jobs) = try await fixture.makeRun(.all, actions: [.holdings, .transactions])
        #expect(jobs.count == 4)
        #expect(run.counts.total == 4 && run.counts.skippedUsers == 1 && run.counts.skippedPortfolios == 1 && run.counts.skippedAccounts == 1)
        let targets = try await fixture.admin.call(PersistenceAPI.syncTargets, ListSyncTargets(scopeKind: .all, limit: 1))
        #expect(targets.items.map(\.accountID) == [active[0].id] && targets.nextCursor != nil)
        let rest = try await fixture.admin.call(PersistenceAPI.syncTargets, ListSyncTargets(scopeKind: .all, cursor: targets.nextCursor, limit: 10))
        #expect(rest.items.map(\.accountID) == [active[1].id] && rest.nextCursor == nil)
        let empty = try await fixture.client(as: Principal(.dispatcher)).call(
            PersistenceAPI.createRun, CreateRun(trigger: .manual, scope: .user(idle.id), actions: [.holdings]))
        #expect(empty.run.status == .finished && empty.run.counts.total == 0 && empty.run.counts.skippedUsers == 1)
        await fixture.stop()
    }

    @Test("transactions upsert by the broker's id; listings page with a cursor")
    func transactionsAndPaging() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        func trade(_ id: String, _ quantity: String) -> BrokerTransaction {
            BrokerTransaction(
                externalID: id, kind: .buy, symbol: "INFY", exchange: "NSE", isin: nil, quantity: Decimal(string: quantity)!,
                price: Decimal(string: "1500.5")!, amount: nil, currency: "INR", occurredAt: Date()
            )
        }
        let batch = TransactionsBatch(transactions: [trade("T1", "1"), trade("T2", "2"), trade("T1", "3")], cursor: "2026-11-24")
        #expect(
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
                PersistenceAPI.storeTransactions, StoreTransactions(id: accounts[0].id, batch: batch)
            ).stored == 2)
        _ = try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
            PersistenceAPI.storeTransactions,
            StoreTransactions(id: accounts[0].id, batch: TransactionsBatch(transactions: [trade("T2", "5")], cursor: nil)))
        let page = try await fixture.admin.call(PersistenceAPI.accountTransactions, ListTransactions(id: accounts[0].id, limit: 1))
        #expect(page.items.count == 1 && page.nextCursor != nil)
        let all = try await fixture.admin.call(PersistenceAPI.accountTransactions, ListTransactions(id: accounts[0].id))
        let quantities = Dictionary(uniqueKeysWithValues: all.items.map { ($0.transaction.externalID, $0.transaction.quantity) })
        #expect(quantities == ["T1": Decimal(3), "T2": Decimal(5)])
        for index in 0..<5 {
            _ = try await fixture.admin.call(PersistenceAPI.createUser, CreateUser(email: "p\(index)@example.com", name: "P\(index)"))
        }
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try await fixture.admin.call(PersistenceAPI.listUsers, ListUsers(cursor: cursor, limit: 2))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.count == 6 && seen == seen.sorted(by: >))
        await fixture.stop()
    }

    @Test("deleting an account deletes its data and leaves an audit entry")
    func deleteAccount() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let (_, jobs) = try await fixture.makeRun(.all)
        try await fixture.publish(jobs.map { Sample.success($0, holdings: Sample.holdings(4)) })
        for job in jobs { try await fixture.waitForJob(job.id, .succeeded) }
        #expect(try await fixture.admin.call(PersistenceAPI.deleteAccount, ByID(id: accounts[0].id)) == Deleted(id: accounts[0].id))
        #expect(try await fixture.count("SELECT count(*)::int FROM holdings WHERE account_id = \(accounts[0].id)") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM holding_snapshots WHERE account_id = \(accounts[0].id)") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM holdings") == 4)
        await #expect { try await fixture.admin.call(PersistenceAPI.getAccount, ByID(id: accounts[0].id)) } throws: {
            ($0 as? RPCError)?.status == 404
        }
        let audit = try await fixture.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "account", entityID: String(accounts[0].id)))
        #expect(audit.items.first?.action == "delete" && audit.items.first?.after == nil)
        await fixture.stop()
    }

    @Test("a fire is recorded once; a stale fencing token is refused; advancing yields to edits; edits move the change mark")
    func scheduleFires() async throws {
        let fixture = try await PersistenceFixture.start()
        let definition = ScheduleDefinition(name: "every-5m", kind: .interval, everySeconds: 300, scope: .all)
        let fireTime = Date(timeIntervalSince1970: 1_800_000_000)
        let markBefore = try await fixture.client(as: Principal(.scheduler)).call(PersistenceAPI.scheduleChangeMark).mark
        let schedule = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: fireTime))
        #expect(try await fixture.client(as: Principal(.scheduler)).call(PersistenceAPI.scheduleChangeMark).mark == markBefore + 1)
        await #expect {
            try await fixture.client(as: Principal(.scheduler)).call(
                PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: nil))
        } throws: {
            ($0 as? RPCError)?.status == 409
        }
        let next = fireTime.addingTimeInterval(300)
        let first = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: fireTime, fence: 5))
        #expect(first.recorded && first.schedule.totalRunCount == 1 && first.schedule.nextRunAt == fireTime && first.schedule.lastRunAt == fireTime)
        let twice = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: fireTime, fence: 6))
        #expect(!twice.recorded && twice.schedule.totalRunCount == 1)
        await #expect {
            try await fixture.client(as: Principal(.scheduler)).call(PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: next, fence: 4))
        } throws: {
            ($0 as? RPCError)?.status == 409
        }
        let manual = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: next.addingTimeInterval(7), fence: nil))
        #expect(manual.recorded && manual.schedule.totalRunCount == 2)
        #expect(try await fixture.count("SELECT count(*)::int FROM schedule_fires") == 2)

        let advanced = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.advanceSchedule, AdvanceSchedule(id: schedule.id, nextRunAt: next, fence: 6, version: schedule.version))
        #expect(advanced.nextRunAt == next)
        var paused = definition
        paused.enabled = false
        let updated = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.updateSchedule, SaveSchedule(id: schedule.id, definition: paused, nextRunAt: nil))
        #expect(updated.version == 2 && !updated.definition.enabled)
        let stale = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.advanceSchedule, AdvanceSchedule(id: schedule.id, nextRunAt: next.addingTimeInterval(300), fence: 6, version: 1))
        #expect(stale.nextRunAt == nil && stale.version == 2)

        let once = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule,
            SaveSchedule(definition: ScheduleDefinition(name: "once", kind: .once, runAt: fireTime, scope: .all), nextRunAt: fireTime))
        let done = try await fixture.client(as: Principal(.scheduler)).call(
            PersistenceAPI.advanceSchedule, AdvanceSchedule(id: once.id, nextRunAt: nil, fence: 6, version: once.version))
        #expect(!done.definition.enabled && done.nextRunAt == nil)
        await fixture.stop()
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("finished runs and old snapshots past the retention period are purged; current snapshots stay")
    func purge() async throws {
        let fixture = try await PersistenceFixture.start(["PSYNC_RETENTION_DAYS": "30", "PSYNC_RETENTION_INTERVAL": "200ms"])
        let (_, _, accounts) = try await fixture.makeAccounts()
        for _ in 0..<2 {
            let (run, jobs) = try await fixture.makeRun(.account(accounts[0].id))
            try await fixture.publish([Sample.success(jobs[0], holdings: Sample.holdings(2))])
            try await fixture.waitForJob(jobs[0].id, .succeeded)
            try await fixture.client(as: Principal(.dispatcher)).call(PersistenceAPI.completeRun, ByID(id: run.id))
        }
        try await fixture.database.execute("UPDATE runs SET finished_at = now() - interval '40 days'")
        try await fixture.database.execute("UPDATE holding_snapshots SET created_at = now() - interval '40 days'")
        try await eventually("old runs and the old snapshot to be purged") {
            let runs = try await fixture.count("SELECT count(*)::int FROM runs")
            let snapshots = try await fixture.count("SELECT count(*)::int FROM holding_snapshots")
            return runs == 0 && snapshots == 1
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM jobs") == 0)
        // The purged snapshot's rows went with it (a statement trigger, not a per-row foreign key: migration 0007).
        #expect(try await fixture.count("SELECT count(*)::int FROM holdings") == 2)
        let current = try await fixture.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id))
        #expect(current.holdings.count == 2)
        await fixture.stop()
    }
}

@Suite("Schema")
struct SchemaTests {
    @Test("every file in Migrations/ is compiled into the binary, in order")
    func migrationsListed() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Services/Persistence/Migrations")
            .standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        let source = try String(contentsOf: directory.deletingLastPathComponent().appendingPathComponent("Schema.swift"), encoding: .utf8)
        for file in files { #expect(source.contains("\"\(file)\""), "\(file) is not listed in Schema.swift") }
    }
}
