import Contracts
import CurlClient
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("The change feed: one event per change, written with it")
struct ChangeFeedTests {
    /// The account's events of `type`, oldest first.
    static func events(_ fixture: PersistenceFixture, account: Int, _ type: FeedEventType) async throws -> [FeedEvent] {
        try await fixture.admin.call(PersistenceAPI.feed, ListFeedEvents(accountID: account, types: [type])).events
    }

    @Test("a committed snapshot records what changed against the one it replaced; nothing for no change, a redelivery or an older snapshot")
    func holdingsChanged() async throws {
        let fixture = try await PersistenceFixture.start()
        let (user, portfolio, accounts) = try await fixture.makeAccounts(2)
        let (changing, steady) = (accounts[0].id, accounts[1].id)
        let first = Sample.holdings(4)
        let (_, jobs1) = try await fixture.makeRun(.all)
        try await fixture.publish(jobs1.map { Sample.success($0, holdings: first, asOf: Date(timeIntervalSinceNow: -120)) })
        for job in jobs1 { try await fixture.waitForJob(job.id, .succeeded) }

        // The first snapshot opens every position.
        let opened = try await Self.events(fixture, account: changing, .holdingsChanged)
        #expect(opened.count == 1)
        let openedPayload = try opened[0].payload(HoldingsChanged.self)
        #expect(openedPayload.previousSnapshotID == nil)
        #expect(openedPayload.changes.map(\.kind) == Array(repeating: .opened, count: 4))
        #expect(openedPayload.changes.map(\.quantityChange) == [1, 2, 3, 4])
        #expect(opened[0].portfolioID == portfolio.id && opened[0].userID == user.id && opened[0].brokerCode == "SANDBOX")

        // SYM0 sold, SYM1 partly sold and now part pledged, SYM2 bought more at another price, SYM3 as it was, SYM9 new.
        var second = Array(first.dropFirst())
        second[0].quantity = 1
        second[0].costValue = second[0].averagePrice
        second[0].split = HeldQuantity(free: Decimal(string: "0.5")!, unsettled: 0, pledged: Decimal(string: "0.5")!)
        second[1].quantity = 10
        second[1].averagePrice = Decimal(string: "99.125")!
        second[2].lastPrice = 5000  // a price move alone is no change
        second.append(
            Holding(symbol: "SYM9", exchange: "BSE", isin: nil, assetType: .etf, quantity: 7, averagePrice: 12, lastPrice: nil, currency: "INR"))
        let (_, jobs2) = try await fixture.makeRun(.all)
        let changed = jobs2.first { $0.accountID == changing }!
        let same = jobs2.first { $0.accountID == steady }!
        let changedResult = Sample.success(changed, holdings: second)
        try await fixture.publish([changedResult, Sample.success(same, holdings: first)])
        try await fixture.waitForJob(changed.id, .succeeded)
        try await fixture.waitForJob(same.id, .succeeded)
        // Redelivered, and an older snapshot arriving late: neither moves the current snapshot, so neither is a change.
        let (_, jobs3) = try await fixture.makeRun(.account(changing))
        try await fixture.publish([changedResult, Sample.success(jobs3[0], holdings: Sample.holdings(2), asOf: Date(timeIntervalSinceNow: -3600))])
        try await fixture.waitForJob(jobs3[0].id, .succeeded)

        let events = try await Self.events(fixture, account: changing, .holdingsChanged)
        #expect(events.count == 2)
        let diff = try events[1].payload(HoldingsChanged.self)
        #expect(diff.previousSnapshotID == openedPayload.snapshotID)
        #expect(diff.unchanged == 1)
        #expect(diff.changes.map(\.kind) == [.opened, .closed, .changed, .changed])
        #expect(diff.changes.map(\.symbol) == ["SYM9", "SYM0", "SYM1", "SYM2"])
        let partlySold = diff.changes[2]
        #expect(partlySold.before?.quantity == 2 && partlySold.after?.quantity == 1 && partlySold.quantityChange == -1)
        #expect(partlySold.before?.split == nil)
        #expect(partlySold.after?.split == HeldQuantity(free: Decimal(string: "0.5")!, unsettled: 0, pledged: Decimal(string: "0.5")!))
        let boughtMore = diff.changes[3]
        #expect(boughtMore.before?.averagePrice == Decimal(string: "102.25")! && boughtMore.after?.averagePrice == Decimal(string: "99.125")!)
        #expect(boughtMore.quantityChange == 7)
        #expect(diff.changes[0].assetType == .etf && diff.changes[0].exchange == "BSE" && diff.changes[0].after?.quantity == 7)
        #expect(diff.changes[1].after == nil && diff.changes[1].quantityChange == -1)
        #expect(try await Self.events(fixture, account: steady, .holdingsChanged).count == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM feed_events WHERE type = 'holdings.changed'") == 3)

        // Paging with `after`, and the exact wire form a webhook carries.
        let page = try await fixture.admin.call(PersistenceAPI.feed, ListFeedEvents(types: [.holdingsChanged], after: events[0].sequence, limit: 1))
        #expect(page.events.count == 1 && page.nextAfter == page.events[0].sequence)
        let wire = String(decoding: try JSONCoding.encode(events[1]), as: UTF8.self)
        #expect(wire.contains(#""quantityChange":"-1""#) && wire.contains(#""type":"holdings.changed""#) && wire.contains(#""version":1"#))
        await fixture.stop()
    }

    @Test("transactions: only those never stored before are added, in time order; a re-report adds nothing")
    func transactionsAdded() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts()
        func transaction(_ id: String, day: Int) -> BrokerTransaction {
            BrokerTransaction(
                externalID: id, kind: .buy, symbol: "SYM\(day)", exchange: nil, isin: nil, quantity: 2, price: Decimal(string: "10.5")!, amount: -21,
                currency: "INR",
                occurredAt: Date(timeIntervalSince1970: 1_764_000_000 + Double(day) * 86_400), meta: try! RawJSON(.object(["raw": "x"])))
        }
        let (_, jobs) = try await fixture.makeRun(.account(accounts[0].id), actions: [.transactions])
        var result = Sample.success(jobs[0], holdings: [])
        result.snapshot = nil
        result.transactions = TransactionsBatch(transactions: [transaction("t2", day: 2), transaction("t1", day: 1)], cursor: nil)
        try await fixture.publish([result])
        try await fixture.waitForJob(jobs[0].id, .succeeded)
        let (_, again) = try await fixture.makeRun(.account(accounts[0].id), actions: [.transactions])
        var second = Sample.success(again[0], holdings: [])
        second.snapshot = nil
        second.transactions = TransactionsBatch(transactions: [transaction("t1", day: 1), transaction("t3", day: 3)], cursor: nil)
        try await fixture.publish([second])
        try await fixture.waitForJob(again[0].id, .succeeded)

        let events = try await Self.events(fixture, account: accounts[0].id, .transactionsAdded)
        #expect(events.count == 2)
        #expect(try events[0].payload(TransactionsAdded.self).transactions.map(\.externalID) == ["t1", "t2"])
        let added = try events[1].payload(TransactionsAdded.self).transactions
        #expect(added.map(\.externalID) == ["t3"])
        #expect(added[0].meta == nil && added[0].price == Decimal(string: "10.5")!)
        await fixture.stop()
    }

    @Test("a refused login is told once, a run's end once, a login ending before the next scheduled run once")
    func accountAndRunEvents() async throws {
        let fixture = try await PersistenceFixture.start(["PSYNC_REAUTH_WARNING_INTERVAL": "100ms"])
        let (_, _, accounts) = try await fixture.makeAccounts(2)
        let (run, jobs) = try await fixture.makeRun(.all)
        // A second run made before the refusal: its job for the same account is refused too, which is no news.
        let (_, retry) = try await fixture.makeRun(.account(accounts[0].id))
        let refusal = "the broker refused the access token (TokenException)"
        try await fixture.publish([Sample.failure(jobs[0], outcome: .failed, kind: .auth, error: refusal)])
        try await fixture.publish([Sample.success(jobs[1], holdings: Sample.holdings(1))])
        try await fixture.waitForJob(jobs[0].id, .failed)
        try await fixture.waitForJob(jobs[1].id, .succeeded)
        let dispatcher = fixture.client(as: Principal(.dispatcher))
        #expect(try await dispatcher.call(PersistenceAPI.completeRun, ByID(id: run.id)).finishedNow)
        _ = try await dispatcher.call(PersistenceAPI.completeRun, ByID(id: run.id))
        try await fixture.publish([Sample.failure(retry[0], outcome: .failed, kind: .auth, error: refusal)])
        try await fixture.waitForJob(retry[0].id, .failed)

        let reauth = try await Self.events(fixture, account: accounts[0].id, .accountReauthRequired)
        #expect(reauth.count == 1)
        #expect(try reauth[0].payload(AccountReauthRequired.self).message == refusal)
        let finished = try await fixture.admin.call(PersistenceAPI.feed, ListFeedEvents(types: [.runFinished])).events
        #expect(finished.map(\.runID) == [run.id])
        let counts = try finished[0].payload(RunFinished.self).counts
        #expect(counts.succeeded == 1 && counts.failed == 1 && counts.reauthRequired == 1)

        // accounts[1]'s login ends in an hour; the daily schedule runs in two: warn once, not on every check.
        let expiresAt = Date(timeIntervalSinceNow: 3600)
        let box = Data((0..<60).map { UInt8($0) }).base64EncodedString()
        _ = try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
            PersistenceAPI.storeCredentials,
            StoreCredentials(id: accounts[1].id, keyID: "k1", sealedBox: box, issuedAt: Date(), expiresAt: expiresAt))
        try await fixture.database.execute(
            """
            INSERT INTO schedules (name, kind, every_seconds, scope_kind, actions, next_run_at)
            VALUES ('daily', 'interval', 86400, 'all', '{holdings}', now() + interval '2 hours')
            """)
        try await eventually("the login expiry warning") {
            try await !Self.events(fixture, account: accounts[1].id, .accountReauthSoon).isEmpty
        }
        try await Task.sleep(for: .milliseconds(500))  // several more checks
        let soon = try await Self.events(fixture, account: accounts[1].id, .accountReauthSoon)
        #expect(soon.count == 1)
        let warning = try soon[0].payload(AccountReauthSoon.self)
        #expect(abs(warning.expiresAt.timeIntervalSince(expiresAt)) < 0.001)
        #expect(warning.nextRunAt > expiresAt)
        // The account waiting for a login (accounts[0]) is not warned: it is already told.
        #expect(try await Self.events(fixture, account: accounts[0].id, .accountReauthSoon).isEmpty)
        await fixture.stop()
    }

    @Test("the feed refuses bad paging with a message and 404s an unknown account")
    func validation() async throws {
        let fixture = try await PersistenceFixture.start()
        for request in [ListFeedEvents(limit: 0), ListFeedEvents(limit: 1001), ListFeedEvents(after: -1)] {
            await #expect { try await fixture.admin.call(PersistenceAPI.feed, request) } throws: { ($0 as? RPCError)?.status == 422 }
        }
        await #expect { try await fixture.admin.call(PersistenceAPI.feed, ListFeedEvents(accountID: 999_999)) } throws: {
            ($0 as? RPCError)?.status == 404
        }
        await fixture.stop()
    }
}
