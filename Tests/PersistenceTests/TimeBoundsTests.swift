import Contracts
import Foundation
import RPC
import Streams
import TestSupport
import Testing

@Suite("Times outside 1900-2200 never reach Postgres")
struct TimeBoundsTests {
    @Test("a result or a snapshot dated year 0000 or 2500 is refused with its reason; the stream keeps flowing")
    func outOfRangeTimes() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, _, accounts) = try await fixture.makeAccounts(3)
        let (_, jobs) = try await fixture.makeRun(.all)
        let yearZero = ISO8601.parse("0000-01-01T00:00:00Z")!
        try await fixture.publish([Sample.success(jobs[0], holdings: Sample.holdings(2), asOf: yearZero)])
        var late = Sample.success(jobs[1], holdings: Sample.holdings(2))
        late.snapshot!.asOf = ISO8601.parse("2500-01-01T00:00:00Z")!
        try await fixture.publish([late])
        try await fixture.publish([Sample.success(jobs[2], holdings: Sample.holdings(2))])
        try await fixture.waitForJob(jobs[2].id, .succeeded)
        let letters = DeadLetterQueue(redis: fixture.redis)
        try await eventually("two dead letters") { try await letters.count() == 2 }
        let reasons = try await letters.list(count: 10).map(\.reason)
        #expect(reasons.contains("startedAt is not a time in 1900...2200"), "\(reasons)")
        #expect(reasons.contains("the snapshot's asOf 2500-01-01T00:00:00.000Z is not a time in 1900...2200"), "\(reasons)")
        let snapshot = HoldingsSnapshot(sourceSnapshotID: "old", asOf: yearZero, holdings: Sample.holdings(1))
        await #expect {
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
                PersistenceAPI.storeSnapshot, StoreSnapshot(id: accounts[0].id, snapshot: snapshot))
        } throws: {
            error in
            let error = error as? RPCError
            return error?.status == 422 && error?.message == "the snapshot's asOf 0000-01-01T00:00:00.000Z is not a time in 1900...2200"
        }
        let transaction = BrokerTransaction(
            externalID: "T1", kind: .buy, symbol: "X", exchange: nil, isin: nil, quantity: 1, price: 1, amount: 1, currency: "INR",
            occurredAt: yearZero)
        await #expect {
            try await fixture.client(as: Principal(.gateway, broker: "SANDBOX")).call(
                PersistenceAPI.storeTransactions,
                StoreTransactions(id: accounts[0].id, batch: TransactionsBatch(transactions: [transaction], cursor: nil)))
        } throws: { error in
            (error as? RPCError)?.message == "transaction 0 has occurredAt 0000-01-01T00:00:00.000Z, not a time in 1900...2200"
        }
        await fixture.stop()
    }
}
