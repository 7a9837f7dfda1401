import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

/// What a broker can do comes from its adapter: runs skip import-only brokers, every stored snapshot updates its
/// portfolio's totals, and positions are readable.
@Suite("Brokers by their capabilities")
struct BrokerCapabilityTests {
    @Test("broker rows carry the adapters' capabilities; a run over every broker skips the import-only VESTED account and finishes")
    func importOnlySkipped() async throws {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX")
        try await stack.launchGateway("VESTED")
        let brokers = try await stack.admin.call(PersistenceAPI.listBrokers, Empty())
        #expect(brokers.first { $0.code == "VESTED" }?.capabilities == [.statementImport])
        #expect(brokers.first { $0.code == "ZERODHA" }?.capabilities.contains(.login) == true)
        #expect(brokers.first { $0.code == "SANDBOX" }?.capabilities.contains(.scheduledSync) == true)

        let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "cap-\($0)"] }
        let vested = try await stack.admin.call(
            PersistenceAPI.createAccount, CreateAccount(portfolioID: sandbox[0].portfolioID, brokerCode: "VESTED", label: "statements"))
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        #expect(started.run.counts.total == 2 && started.run.counts.skippedAccounts == 1, "\(started.run.counts)")
        var detail: RunDetail?
        try await eventually(timeout: .seconds(60), "the run to finish") {
            detail = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail
            return detail?.run.status == .finished
        }
        #expect(detail?.run.counts.succeeded == 2 && detail?.run.counts.failed == 0)
        let jobs = try await stack.admin.call(PersistenceAPI.runJobs, ListRunJobs(id: started.run.id, limit: 10)).items
        #expect(!jobs.contains { $0.accountID == vested.id })
        await stack.stop()
    }

    @Test("--now and statement imports recompute the portfolio's totals; positions synced --now are readable")
    func totalsAndPositions() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        try await stack.launchGateway("VESTED")
        try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        let sandbox = try await stack.makeAccounts(broker: "SANDBOX", count: 1) { _ in ["token": "totals-0"] }
        let portfolio = sandbox[0].portfolioID
        func totals() async throws -> [PortfolioTotal] {
            try await stack.admin.call(PersistenceAPI.portfolioTotals, ListTotals(id: portfolio)).items
        }
        #expect(try await totals().isEmpty)
        _ = try await stack.gateway("SANDBOX").call(GatewayAPI.syncNow, SyncNow(id: sandbox[0].id))
        let afterNow = try await totals()
        #expect(afterNow.count == 1 && afterNow[0].total.holdingsCount == 20, "\(afterNow)")

        let vested = try await stack.admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio, brokerCode: "VESTED", label: "V"))
        _ = try await stack.gateway("VESTED").call(
            GatewayAPI.importStatement, ImportStatement(id: vested.id, csv: "symbol,quantity,average_price,currency\nAAPL,2,150,USD\n"))
        let afterImport = try await totals()
        #expect(afterImport.contains { $0.total.currency == "USD" && $0.total.costValue == 300 }, "\(afterImport)")

        let kite = try await stack.admin.call(PersistenceAPI.createAccount, CreateAccount(portfolioID: portfolio, brokerCode: "ZERODHA", label: "K"))
        _ = try await stack.gateway("ZERODHA").call(
            GatewayAPI.putCredentials, PutCredentials(id: kite.id, credentials: ["api_key": "kite-key", "access_token": "fno-pos"]))
        _ = try await stack.gateway("ZERODHA").call(GatewayAPI.syncNow, SyncNow(id: kite.id, actions: [.positions]))
        let positions = try await stack.admin.call(PersistenceAPI.accountPositions, ByID(id: kite.id))
        #expect(positions.snapshot?.current == true && positions.holdings.contains { $0.symbol == "LEADMINI26JANFUT" && $0.multiplier == 1000 })
        #expect(try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: kite.id)).snapshot == nil, "positions are not holdings")
        let portfolioPositions = try await stack.admin.call(PersistenceAPI.portfolioPositions, ByID(id: portfolio))
        #expect(portfolioPositions.accounts.first { $0.account.id == kite.id }?.holdings.count == positions.holdings.count)
        let cli = try CLI(stack)
        let shown = try await cli.run("positions", "--account", "\(kite.id)")
        #expect(shown.status == 0 && shown.stdout.contains("LEADMINI26JANFUT") && shown.stdout.contains("MULTIPLIER"), "\(shown)")
        await stack.stop()
    }
}
