import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("psync-webhooks: a real sync to a real receiver")
struct SyncToWebhookTests {
    @Test("a sync that changes holdings sends exactly one signed holdings.changed per account, with the diff; a sync that changes nothing sends none")
    func syncSendsHoldingsChanged() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_HOLDINGS": "5"])
        try await stack.launchGateway("SANDBOX")
        try await stack.launchWebhooks()
        let added = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + "/sync", eventTypes: [.holdingsChanged]))
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "webhook-sync-\($0)"] }

        let (run, _) = try await stack.enqueueRun(.all)
        _ = try await stack.waitForRun(run.id)
        try await eventually(timeout: .seconds(20), "one holdings.changed per account") { receiver.received.count >= 3 }
        let events = try receiver.received.map { try JSONCoding.decode(FeedEvent.self, from: $0.body) }
        #expect(events.count == 3 && Set(events.compactMap(\.accountID)) == Set(accounts.map(\.id)), "\(events.map(\.accountID))")
        for (request, event) in zip(receiver.received, events) {
            #expect(WebhookSignatureCheck.verify(header: request.header("Psync-Signature") ?? "", body: request.body, secret: added.secret))
            #expect(event.type == .holdingsChanged && request.header("Psync-Event-Id") == event.id && event.brokerCode == "SANDBOX")
            let diff = try event.payload(HoldingsChanged.self)
            #expect(diff.previousSnapshotID == nil && diff.unchanged == 0)
            #expect(diff.changes.count == 5 && diff.changes.allSatisfy { $0.kind == .opened && $0.after != nil && $0.before == nil })
            let holdings = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: event.accountID ?? 0)).holdings
            #expect(Set(diff.changes.map(\.symbol)) == Set(holdings.map(\.symbol)))
        }

        // The same day again: nothing changed, so no event and no delivery.
        let (again, _) = try await stack.enqueueRun(.all)
        _ = try await stack.waitForRun(again.id)
        #expect(try await stack.count("SELECT count(*)::int FROM feed_events WHERE type = 'holdings.changed'") == 3)
        #expect(try await stack.count("SELECT count(*)::int FROM webhook_deliveries") == 3)
        try await eventually(timeout: .seconds(10), "the three deliveries to be recorded") {
            try await stack.count("SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered'") == 3
        }
        #expect(receiver.received.count == 3)
        await stack.stop()
    }
}
