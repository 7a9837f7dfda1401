import Contracts
import CurlClient
import Foundation
import RPC
import SandboxData
import TestSupport
import Testing

/// Issue 19's first promise, through every process: a real sync that changes holdings, a real receiver.
@Suite("The change feed end to end: brokersim's new day reaches a webhook receiver, once per changed account")
struct ChangeFeedEndToEndTests {
    @Test("a sync that changes holdings sends exactly one signed holdings.changed per changed account, with the diff brokersim's data implies")
    func newDayReachesReceiver() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launchGateway("SANDBOX")
            try await stack.launchWebhooks()
            let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 8) { ["token": "feed-e2e-\($0)"] }
            let tokens = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($1.id, "feed-e2e-\($0)") })
            let added = try await stack.webhooks.call(
                WebhooksAPI.add, AddWebhook(url: receiver.url + "/hooks", eventTypes: [.holdingsChanged, .runFinished], description: "e2e"))

            // Day 0: every account's first snapshot opens its positions.
            let first = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            _ = try await stack.waitForRun(first.run.id)
            try await eventually(timeout: .seconds(30), "day 0's events") { Self.events(receiver, .runFinished).count == 1 }
            #expect(Set(Self.events(receiver, .holdingsChanged).compactMap(\.accountID)) == Set(tokens.keys))

            // Day 1: brokersim sells some positions and buys others.
            _ = try await stack.simulator("PUT", "/sim/config", #"{"day": 1}"#)
            let second = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
            _ = try await stack.waitForRun(second.run.id)
            try await eventually(timeout: .seconds(30), "day 1's run.finished") { Self.events(receiver, .runFinished).count == 2 }

            var expectedChanged: [Int: [String]] = [:]
            for (account, token) in tokens {
                let before = SimulatedPortfolio(token: token, day: 0, count: 20).holdings
                let after = SimulatedPortfolio(token: token, day: 1, count: 20).holdings
                let lines = Self.expectedChanges(before: before, after: after)
                if !lines.isEmpty { expectedChanged[account] = lines }
            }
            #expect(!expectedChanged.isEmpty, "day 1 should change some account")
            let dayOne = Self.events(receiver, .holdingsChanged).filter { $0.runID == second.run.id }
            // Exactly one per changed account, none for an unchanged one.
            #expect(dayOne.compactMap(\.accountID).sorted() == expectedChanged.keys.sorted())
            for event in dayOne {
                let diff = try event.payload(HoldingsChanged.self)
                let lines = diff.changes.map { "\($0.kind.rawValue) \($0.symbol) \($0.before?.quantity ?? 0) \($0.after?.quantity ?? 0)" }.sorted()
                #expect(lines == expectedChanged[event.accountID!], "account \(event.accountID!)")
            }
            // Every request is signed with the subscription's secret, over the exact body.
            for request in receiver.received {
                let signature = try #require(request.header(WebhookHeaders.signature))
                #expect(WebhookSignatureCheck.verify(header: signature, body: request.body, secret: added.secret))
                #expect(!WebhookSignatureCheck.verify(header: signature, body: request.body + [0x20], secret: added.secret))
            }
            // The same events through the feed and the CLI.
            let feed = try await stack.admin.call(PersistenceAPI.feed, ListFeedEvents(types: [.holdingsChanged], limit: 1000)).events
            #expect(feed.count == Self.events(receiver, .holdingsChanged).count)
            let cli = try CLI(stack, [:])
            let shown = try await cli.run("changes", "--account", "\(expectedChanged.keys.min()!)")
            #expect(shown.status == 0 && shown.stdout.contains("holdings.changed"), "\(shown)")
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        receiver.stop()
        await stack.stop()
    }

    /// The events the receiver got of `type`, in arrival order, each once (by event id).
    static func events(_ receiver: WebhookReceiver, _ type: FeedEventType) -> [FeedEvent] {
        var seen = Set<String>()
        return receiver.received.compactMap { try? JSONCoding.decode(FeedEvent.self, from: $0.body) }.filter {
            $0.type == type && seen.insert($0.id).inserted
        }
    }

    /// `kind symbol before after` per position that differs, as SnapshotDiff would find it.
    static func expectedChanges(before: [SimulatedPortfolio.Position], after: [SimulatedPortfolio.Position]) -> [String] {
        let old = Dictionary(uniqueKeysWithValues: before.map { ("\($0.symbol) \($0.exchange)", $0) })
        let new = Dictionary(uniqueKeysWithValues: after.map { ("\($0.symbol) \($0.exchange)", $0) })
        var lines: [String] = []
        for (key, position) in new {
            if let previous = old[key] {
                if previous.quantity != position.quantity || previous.averagePrice != position.averagePrice {
                    lines.append("changed \(position.symbol) \(previous.quantity) \(position.quantity)")
                }
            } else {
                lines.append("opened \(position.symbol) 0 \(position.quantity)")
            }
            _ = key
        }
        for (key, position) in old where new[key] == nil { lines.append("closed \(position.symbol) \(position.quantity) 0") }
        return lines.sorted()
    }
}
