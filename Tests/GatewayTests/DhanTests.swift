import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// Dhan, added as one adapter file and one registration line, synced end to end through brokersim's Dhan format.
@Suite("Dhan accounts sync end to end")
struct DhanTests {
    @Test("holdings with T+1 and pledged shares and contract positions store brokersim's expected answer")
    func syncs() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("DHAN")
        let tokens = ["t1-pledged-fno-acct0", "acct1"]
        let accounts = try await stack.makeAccounts(broker: "DHAN", count: 2) { ["access_token": tokens[$0], "client_id": "10000\($0)"] }
        let (run, _) = try await stack.enqueueRun(.all, actions: [.holdings, .positions])
        let detail = try await stack.waitForRun(run.id)
        #expect(detail.run.counts.succeeded == 4, "\(detail.failures) \(stack.logs())")
        for (account, token) in zip(accounts, tokens) {
            let text = try await stack.simulator("GET", "/sim/expected?format=dhan&token=\(token)")
            let expected = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
            let stored = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: account.id)).holdings
            #expect(stored.count == expected.count && stored.count == 20)
            for (holding, row) in zip(stored, expected) {
                #expect(holding.symbol == row["symbol"] as? String && holding.quantity == Decimal(string: row["quantity"] as! String))
                #expect(
                    holding.split?.free == Decimal(string: row["free"] as! String)
                        && holding.split?.pledged == Decimal(string: row["pledged"] as! String))
                #expect(holding.split?.unsettled == Decimal(string: row["unsettled"] as! String) && holding.lastPrice == nil)
            }
        }
        let mixed = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: accounts[0].id)).holdings
        #expect(mixed.contains { ($0.split?.unsettled ?? 0) > 0 } && mixed.contains { ($0.split?.pledged ?? 0) > 0 })
        let positions = try await stack.admin.call(PersistenceAPI.accountPositions, ByID(id: accounts[0].id)).holdings
        let crude = try #require(positions.first { $0.symbol == "CRUDEOIL-19Jan2026-FUT" })
        #expect(crude.quantity == 3 && crude.multiplier == 100 && crude.costValue == Decimal(string: "1836150")!)
        await stack.stop()
    }
}
