import ArgumentParser
import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport

/// Webhook delivery latency: a sync of many accounts whose holdings all change (their first snapshots), from each
/// `holdings.changed` event's commit (`createdAt`) to its arrival at a receiver in this process, through psync-webhooks
/// with its production settings.
struct WebhooksBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Delivery latency (commit → receiver) and throughput of psync-webhooks when many accounts' holdings change.")

    @Option(help: "Accounts whose holdings change in one sync.") var accounts = 1000

    func run() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_HOLDINGS": "20"])
        try await stack.launchGateway("SANDBOX")
        // Production settings but for the loopback receiver over plain http.
        try await stack.launchWebhooks(environment: [
            "PSYNC_WEBHOOKS_RETRY_BASE": "10s", "PSYNC_WEBHOOKS_RETRY_MAX": "1h", "PSYNC_WEBHOOKS_POLL_INTERVAL": "250ms",
            "PSYNC_WEBHOOKS_TIMEOUT": "10s",
        ])
        _ = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + "/bench", eventTypes: [.holdingsChanged]))
        _ = try await stack.seedAccountsWithCredentials(broker: "SANDBOX", count: accounts) { ["token": "webhook-bench-\($0)"] }
        let started = Date()
        let (run, _) = try await stack.enqueueRun(.all)
        var arrivals: [String: Date] = [:]
        let deadline = Date().addingTimeInterval(Double(accounts) / 10 + 60)
        while arrivals.count < accounts {
            guard Date() < deadline else { throw HarnessError("only \(arrivals.count) of \(accounts) events arrived\n\(stack.logs())") }
            try await Task.sleep(for: .milliseconds(50))
            for request in receiver.received {
                if let id = request.header("Psync-Event-Id"), arrivals[id] == nil { arrivals[id] = request.arrivedAt }
            }
        }
        let synced = try await stack.waitForRun(run.id)
        let rows = try await stack.database.query("SELECT id::text, created_at FROM feed_events WHERE type = 'holdings.changed'")
        var latencies: [Double] = []
        var firstCommit = Date.distantFuture
        for row in rows {
            let (id, createdAt): (String, Date) = (try row.decode(at: 0), try row.decode(at: 1))
            firstCommit = min(firstCommit, createdAt)
            if let arrived = arrivals[id] { latencies.append(arrived.timeIntervalSince(createdAt) * 1000) }
        }
        let last = arrivals.values.max() ?? started
        let seconds = last.timeIntervalSince(firstCommit)
        let duplicates = receiver.received.count - arrivals.count
        await stack.stop()

        var report = BenchmarkReport(section: "Webhook delivery latency", command: "make bench (psync-bench webhooks --accounts \(accounts))")
        report.add("| figure | p50 | p99 | max | limit |")
        report.add("| --- | --- | --- | --- | --- |")
        report.add(
            "| commit (`createdAt`) → receiver, one `holdings.changed` for each of \(accounts.grouped) accounts synced in one run | "
                + "\(fixed(percentile(latencies, 50))) ms | **\(fixed(percentile(latencies, 99))) ms** | \(fixed(latencies.max() ?? 0)) ms | |")
        report.add("")
        report.add(
            "Throughput: \(latencies.count.grouped) deliveries from the first commit to the last arrival in \(fixed(seconds, 2)) s = "
                + "**\(fixed(Double(latencies.count) / max(seconds, 0.001), 0)) deliveries/s**, while the sync itself committed "
                + "\(synced.total.grouped) jobs (\(duplicates) duplicate arrivals).")
        report.add(
            "A real sync: brokersim with 20 holdings per account and no added latency, one SANDBOX gateway; each account's first snapshot "
                + "opens every position, so every account gets one `holdings.changed`, written by persistence in the committing transaction "
                + "(its trigger plans the delivery). psync-webhooks runs with its defaults (32 requests at once, 250 ms poll when idle); the "
                + "receiver is a loopback socket server in the benchmark's process that answers 200 at once. Each latency is the receiver's "
                + "arrival time − the event's `created_at` (the committing transaction's `now()`).")
        report.figures["webhook_latency_p50_ms"] = percentile(latencies, 50)
        report.figures["webhook_latency_p99_ms"] = percentile(latencies, 99)
        report.figures["webhook_deliveries_per_s"] = Double(latencies.count) / max(seconds, 0.001)
        try report.write()
    }
}
