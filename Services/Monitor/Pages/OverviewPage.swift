import Contracts
import FoundationEssentials

/// The overview: workers per service and broker, throughput, queues, dead letters, re-auth accounts, current and last runs.
enum OverviewPage {
    static func render(_ overview: Overview, viewer: Viewer) -> String {
        let alive = overview.workers.filter { $0.state == "alive" }
        let lost = overview.workers.count - alive.count
        let brokerQueues = overview.queues.filter { $0.broker != nil }
        let waiting = brokerQueues.reduce(0) { $0 + ($1.groups.first?.lag ?? $1.length) }
        let pending = brokerQueues.reduce(0) { total, queue in total + queue.groups.reduce(0) { $0 + $1.pending } }
        let cards = [
            card("workers-alive", "Workers alive", "\(alive.count)", link: "/workers"),
            card("workers-lost", "Workers lost", "\(lost)", link: "/workers"),
            card("jobs-waiting", "Jobs waiting", "\(waiting)", link: "/queues"),
            card("jobs-pending", "Jobs in progress (un-acked)", "\(pending)", link: "/queues"),
            card("dead-letters", "Dead letters", "\(overview.deadLetters)", link: "/dead-letters"),
            card("reauth-accounts", "Accounts needing re-auth", "\(overview.reauthAccounts)", link: "/accounts/reauth"),
        ].joined()
        return """
            <div class="cards">\(cards)</div>
            <h2>Workers</h2>\(workerSummary(overview.workers))
            <h2>Jobs per second, last hour</h2>\(ThroughputChart.render(overview.throughput))
            <h2>Queues</h2>\(queueSummary(brokerQueues))
            <h2>Runs</h2>\(RunsPage.runTable(overview.runs))
            """
    }

    static func card(_ id: String, _ label: String, _ value: String, link: String) -> String {
        "<a class=\"card\" href=\"\(link)\" style=\"text-decoration:none;color:inherit\"><div class=\"muted\">\(HTML.escape(label))</div><div class=\"value\" id=\"\(id)\">\(HTML.escape(value))</div></a>"
    }

    static func workerSummary(_ workers: [WorkerView]) -> String {
        var groups: [String: (service: String, broker: String?, alive: Int, lost: Int)] = [:]
        for worker in workers {
            let key = worker.heartbeat.service + "/" + (worker.heartbeat.broker ?? "")
            var entry = groups[key] ?? (worker.heartbeat.service, worker.heartbeat.broker, 0, 0)
            if worker.state == "alive" { entry.alive += 1 } else { entry.lost += 1 }
            groups[key] = entry
        }
        let rows = groups.keys.sorted().map { key -> [String] in
            let entry = groups[key]!
            return [
                HTML.escape(entry.service), HTML.escape(entry.broker ?? "–"),
                "<span data-alive=\"\(HTML.escape(key))\">\(entry.alive)</span>", entry.lost > 0 ? HTML.badge("\(entry.lost) lost") : "0",
            ]
        }
        return HTML.table(["Service", "Broker", "Alive", "Lost"], rows, empty: "no worker has sent a heartbeat")
    }

    static func queueSummary(_ queues: [QueueView]) -> String {
        let rows = queues.map { queue -> [String] in
            let group = queue.groups.first { $0.name == StreamNames.Group.gateway } ?? queue.groups.first
            return [
                HTML.link("/queues#\(queue.broker ?? queue.stream)", queue.broker ?? queue.stream),
                "<span data-queue-length=\"\(HTML.escape(queue.broker ?? ""))\">\(queue.length)</span>",
                group?.lag.map(String.init) ?? "–", "\(group?.pending ?? 0)", HTML.duration(queue.oldestWaitingSeconds),
                "\(queue.delayed ?? 0)", queue.paused == true ? HTML.badge("paused") : HTML.badge("running"),
            ]
        }
        return HTML.table(
            ["Broker", "Stream length", "Waiting (lag)", "Pending", "Oldest waiting", "Delayed retries", "State"], rows, empty: "no broker queue yet")
    }
}

/// Jobs finished per minute as a small stacked bar chart (inline SVG), labelled in jobs per second.
enum ThroughputChart {
    static func render(_ points: [ThroughputPoint]) -> String {
        let width = 720.0
        let height = 140.0
        let top = Double(points.map { $0.succeeded + $0.failed }.max() ?? 0)
        let scale = top > 0 ? (height - 20) / top : 0
        let step = points.isEmpty ? width : width / Double(points.count)
        var bars = ""
        for (index, point) in points.enumerated() {
            let x = Double(index) * step
            let okHeight = Double(point.succeeded) * scale
            let badHeight = Double(point.failed) * scale
            let label = "\(ISO8601.format(point.minute).prefix(16))Z: \(point.succeeded) succeeded, \(point.failed) failed"
            bars += "<g><title>\(HTML.escape(label))</title>"
            bars += "<rect x=\"\(r(x))\" y=\"\(r(height - okHeight))\" width=\"\(r(max(step - 1, 1)))\" height=\"\(r(okHeight))\" fill=\"#2f9e5b\"/>"
            bars +=
                "<rect x=\"\(r(x))\" y=\"\(r(height - okHeight - badHeight))\" width=\"\(r(max(step - 1, 1)))\" height=\"\(r(badHeight))\" fill=\"#d64545\"/></g>"
        }
        let succeeded = points.reduce(0) { $0 + $1.succeeded }
        let failed = points.reduce(0) { $0 + $1.failed }
        let minutes = Double(max(points.count, 1))
        let peak = top / 60
        return """
            <svg class="chart" role="img" aria-label="jobs finished per minute" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))">\
            <text x="4" y="12" font-size="10" fill="#7a8396">peak \(rate(peak)) jobs/s</text>\(bars)</svg>
            <p>Succeeded: <strong id="jobs-succeeded-hour">\(succeeded)</strong> (\(rate(Double(succeeded) / (minutes * 60))) jobs/s), \
            failed: <strong id="jobs-failed-hour">\(failed)</strong> (\(rate(Double(failed) / (minutes * 60))) jobs/s) over the last hour.</p>
            """
    }

    /// A rate with three decimals (a few jobs an hour still shows).
    static func rate(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func r(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
