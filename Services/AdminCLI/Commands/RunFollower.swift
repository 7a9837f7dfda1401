import Contracts
import Foundation

/// Polls a run's progress until it finishes: a redrawn bar on a terminal, plain lines otherwise, then a summary.
struct RunFollower {
    let dispatcher: ServiceClient
    let timeoutSeconds: Int?
    var interval: Duration = .milliseconds(300)

    /// Follows the run; returns its last progress (finished, or not when the timeout passed).
    func follow(_ started: RunDetail) async throws -> RunProgress {
        let live = Console.isTerminal && !Console.json
        let clock = ContinuousClock()
        let begin = clock.now
        var lastLine = ""
        var lastPrinted: ContinuousClock.Instant?
        var reportedStuck = false
        var failingSince: ContinuousClock.Instant?
        while true {
            let progress: RunProgress
            do {
                progress = try await dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id))
                failingSince = nil
            } catch let error as CLIError {
                // A dispatcher restarting is not the run failing: keep asking for a while.
                let since = failingSince ?? clock.now
                failingSince = since
                guard clock.now - since < .seconds(15) else { throw error }
                try await Task.sleep(for: .seconds(1))
                continue
            }
            let elapsed = Self.seconds(clock.now - begin)
            let finished = progress.detail.run.status == .finished
            let line = Self.line(progress.detail, elapsed: elapsed)
            if live {
                Console.write("\r" + Self.bar(progress.detail) + " " + line + "\u{1B}[K")
            } else if line != lastLine && (finished || lastPrinted.map { clock.now - $0 >= .seconds(1) } ?? true) {
                progressLine("run \(started.run.id): " + line)
                lastLine = line
                lastPrinted = clock.now
            }
            if progress.stuck && !reportedStuck && !finished {
                reportedStuck = true
                if live { Console.write("\n") }
                progressLine(
                    "run \(started.run.id) is past its deadline; waiting for \(progress.waitingFor.count) job(s), e.g. job \(progress.waitingFor.first.map { "\($0.id) (\($0.brokerCode), \($0.status.rawValue))" } ?? "-")"
                )
            }
            if finished || timeoutSeconds.map({ elapsed >= Double($0) }) == true {
                if live { Console.write("\n") }
                if Console.json {
                    try Console.printJSON(progress)
                } else {
                    Console.write(Self.summary(progress, elapsed: elapsed, finished: finished))
                }
                return progress
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Plain progress goes to stdout, or to stderr when stdout is for JSON.
    private func progressLine(_ text: String) {
        if Console.json { Console.error(text) } else { Console.write(text + "\n") }
    }

    static func counts(_ detail: RunDetail) -> [String: Int] {
        var counts: [String: Int] = [:]
        for broker in detail.brokers {
            for (state, count) in broker.byStatus { counts[state, default: 0] += count }
        }
        return counts
    }

    /// `45/120 done · succeeded 40 · failed 3 · running 4 · queued 73 · ETA 12s`.
    static func line(_ detail: RunDetail, elapsed: Double) -> String {
        let counts = counts(detail)
        var parts = ["\(detail.done)/\(detail.total) done"]
        for state in JobStatus.allCases.reversed() where (counts[state.rawValue] ?? 0) > 0 {
            parts.append("\(state.rawValue) \(counts[state.rawValue]!)")
        }
        if detail.run.status == .finished {
            parts.append("finished")
        } else if detail.done > 0, detail.total > detail.done {
            let rate = Double(detail.done) / max(elapsed, 0.001)
            parts.append("ETA \(Format.duration(Double(detail.total - detail.done) / rate))")
        } else if detail.run.status == .dispatching {
            parts.append("dispatching")
        }
        return parts.joined(separator: " · ")
    }

    /// `[##########----------]`.
    static func bar(_ detail: RunDetail, width: Int = 24) -> String {
        let filled = detail.total == 0 ? width : width * detail.done / detail.total
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    static func summary(_ progress: RunProgress, elapsed: Double, finished: Bool) -> String {
        let run = progress.detail.run
        let counts = run.counts
        var lines: [String] = []
        if finished {
            let took = run.finishedAt.map { $0.timeIntervalSince(run.createdAt) } ?? elapsed
            lines.append(
                "run \(run.id) finished in \(Format.duration(took)): \(counts.succeeded) succeeded, \(counts.failed) failed, "
                    + "\(counts.dead) dead of \(counts.total) jobs")
        } else {
            lines.append(
                "run \(run.id) is still running after \(Format.duration(elapsed)) (\(progress.detail.done)/\(progress.detail.total) done); follow it with: psync runs show \(run.id)"
            )
        }
        if counts.reauthRequired > 0 {
            lines.append("\(counts.reauthRequired) account(s) need a new login: psync account list --status reauth_required")
        }
        for failure in progress.detail.failures {
            lines.append("  \(failure.count) × \(failure.kind?.rawValue ?? "failed"): \(failure.reason)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
