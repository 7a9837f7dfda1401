import ArgumentParser
import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport

/// Webhook delivery latency: events committed for many accounts at once, from each event's commit (`createdAt`) to its
/// arrival at a receiver in this process, through psync-webhooks with its production settings.
struct WebhooksBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Delivery latency (commit → receiver) and throughput of psync-webhooks for events about many accounts.")

    @Option(help: "Events, one per account, committed in one transaction.") var events = 1000

    func run() async throws {
        let stack = try await Stack.start()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        // Production settings but for the loopback receiver over plain http.
        try await stack.launchWebhooks(environment: [
            "PSYNC_WEBHOOKS_RETRY_BASE": "10s", "PSYNC_WEBHOOKS_RETRY_MAX": "1h", "PSYNC_WEBHOOKS_POLL_INTERVAL": "250ms",
            "PSYNC_WEBHOOKS_TIMEOUT": "10s",
        ])
        _ = try await stack.webhooks.call(WebhooksAPI.add, AddWebhook(url: receiver.url + "/bench", eventTypes: [.holdingsChanged]))
        // Until persistence writes events at commit, they are inserted as it would write them: one transaction, whose
        // trigger plans a delivery per event.
        let started = Date()
        _ = try await stack.database.execute(
            """
            INSERT INTO feed_events (type, version, account_id, portfolio_id, user_id, data)
            SELECT 'holdings.changed', 1, n, 1, 1, '{"changes":[],"unchanged":0}'::json FROM generate_series(1, \(events)) AS n
            """)
        var arrivals: [String: Date] = [:]
        let deadline = Date().addingTimeInterval(Double(events) / 10 + 60)
        while arrivals.count < events {
            guard Date() < deadline else { throw HarnessError("only \(arrivals.count) of \(events) events arrived\n\(stack.logs())") }
            try await Task.sleep(for: .milliseconds(50))
            for request in receiver.received {
                if let id = request.header("Psync-Event-Id"), arrivals[id] == nil { arrivals[id] = request.arrivedAt }
            }
        }
        let rows = try await stack.database.query("SELECT id::text, created_at FROM feed_events")
        var latencies: [Double] = []
        var committed = started
        for row in rows {
            let (id, createdAt): (String, Date) = (try row.decode(at: 0), try row.decode(at: 1))
            committed = createdAt
            if let arrived = arrivals[id] { latencies.append(arrived.timeIntervalSince(createdAt) * 1000) }
        }
        let last = arrivals.values.max() ?? started
        let seconds = last.timeIntervalSince(committed)
        let duplicates = receiver.received.count - arrivals.count
        await stack.stop()

        var report = BenchmarkReport(section: "Webhook delivery latency", command: "make bench (psync-bench webhooks --events \(events))")
        report.add("| figure | p50 | p99 | max | limit |")
        report.add("| --- | --- | --- | --- | --- |")
        report.add(
            "| commit (`createdAt`) → receiver, \(events.grouped) events of \(events.grouped) accounts committed at once | "
                + "\(fixed(percentile(latencies, 50))) ms | **\(fixed(percentile(latencies, 99))) ms** | \(fixed(latencies.max() ?? 0)) ms | |")
        report.add("")
        report.add(
            "Throughput: \(events.grouped) deliveries in \(fixed(seconds, 2)) s = **\(fixed(Double(events) / max(seconds, 0.001), 0)) deliveries/s** "
                + "(psync-webhooks at its default concurrency of 32 and poll interval of 250 ms; \(duplicates) duplicate arrivals).")
        report.add(
            "The events are inserted into `feed_events` in one transaction (persistence's trigger plans one delivery each), as persistence "
                + "writes them at commit; the receiver is a loopback socket server in the benchmark's process that answers 200 at once. "
                + "Each latency is the receiver's arrival time − the event's `created_at` (the committing transaction's `now()`).")
        report.figures["webhook_latency_p50_ms"] = percentile(latencies, 50)
        report.figures["webhook_latency_p99_ms"] = percentile(latencies, 99)
        report.figures["webhook_deliveries_per_s"] = Double(events) / max(seconds, 0.001)
        try report.write()
    }
}
