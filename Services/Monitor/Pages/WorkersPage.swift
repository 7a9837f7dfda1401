import Contracts
import FoundationEssentials

/// Every instance from heartbeats, the lost ones flagged.
enum WorkersPage {
    static func render(_ workers: [WorkerView]) -> String {
        let now = Date()
        let rows = workers.map { worker -> [String] in
            let beat = worker.heartbeat
            let uptime = beat.startedAt.timeIntervalSince1970 > 0 ? HTML.duration(now.timeIntervalSince(beat.startedAt)) : "–"
            return [
                "<span data-worker=\"\(HTML.escape(beat.instanceID))\">\(HTML.escape(beat.instanceID))</span>", HTML.escape(beat.service),
                HTML.escape(beat.broker ?? "–"), HTML.escape(beat.host), "\(beat.pid)", HTML.escape(beat.version),
                worker.state == "alive" ? uptime : "–",
                "\(beat.inFlight)", "\(beat.processed)", "\(beat.failed)", HTML.time(beat.lastSeen), HTML.badge(worker.state),
            ]
        }
        return HTML.table(
            ["Instance", "Service", "Broker", "Host", "PID", "Version", "Uptime", "In flight", "Processed", "Failed", "Last seen", "State"], rows,
            empty: "no worker has sent a heartbeat")
    }
}

/// Streams, groups and consumers, with pause and resume for administrators.
enum QueuesPage {
    static func render(_ queues: [QueueView], viewer: Viewer) -> String {
        queues.map { queue in
            let name = queue.broker ?? queue.stream
            var actions = ""
            if let broker = queue.broker {
                actions =
                    queue.paused == true
                    ? viewer.actionForm("/queues/\(HTML.query(broker))/resume", label: "Resume")
                    : viewer.actionForm("/queues/\(HTML.query(broker))/pause", label: "Pause", confirm: "Stop \(broker)'s gateways taking new jobs?")
            }
            let state = queue.broker == nil ? "" : (queue.paused == true ? HTML.badge("paused") : HTML.badge("running"))
            let facts = [
                "length <strong>\(queue.length)</strong>", queue.delayed.map { "delayed retries <strong>\($0)</strong>" },
                "oldest waiting <strong>\(HTML.duration(queue.oldestWaitingSeconds))</strong>",
            ].compactMap { $0 }.joined(separator: " · ")
            var groups = ""
            for group in queue.groups {
                let consumers = group.consumers.map { consumer -> [String] in
                    [HTML.escape(consumer.name), "\(consumer.pending)", HTML.duration(Double(consumer.idleMilliseconds) / 1000)]
                }
                groups +=
                    "<h4>group <code>\(HTML.escape(group.name))</code>: pending \(group.pending), lag \(group.lag.map(String.init) ?? "unknown")</h4>"
                groups += HTML.table(["Consumer", "Pending", "Idle"], consumers, empty: "no consumers")
            }
            if queue.groups.isEmpty { groups = "<p class=\"muted\">no consumer group</p>" }
            return """
                <section id="\(HTML.escape(name))" data-stream="\(HTML.escape(queue.stream))"><h2>\(HTML.escape(name)) \(state) \(actions)</h2>
                <p><code>\(HTML.escape(queue.stream))</code> · \(facts)</p>\(groups)</section>
                """
        }.joined(separator: "\n")
    }
}
