import Foundation

/// What a chaos run did and found: the faults with their recovery times, the jobs, and the checks.
public struct ChaosReport: Sendable {
    /// One check of the outcome.
    public struct Check: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    /// Accounts synced.
    public var accounts = 0
    /// Seconds from the run's start until it finished (or the checks began).
    public var seconds = 0.0
    /// Faults planned.
    public var planned = 0
    /// Faults injected, in order.
    public var faults: [ChaosFaultRecord] = []
    /// The run's jobs by status.
    public var jobs: [String: Int] = [:]
    /// Entries on the dead-letter stream.
    public var deadLetters = 0
    /// brokersim's answers by HTTP status.
    public var brokerAnswers: [String: Int] = [:]
    /// Jobs (or accounts) whose snapshot never arrived.
    public var lost = 0
    /// Work done twice: extra jobs, snapshots, totals, counter increments.
    public var duplicated = 0
    /// Jobs dead-lettered although their broker never failed for good (an outage of ours charged to them).
    public var deadByOutage = 0
    /// Accounts sent to `reauth_required` although their broker never refused them.
    public var reauthByOutage = 0
    /// Every check, passed or not.
    public var checks: [Check] = []

    /// Zero lost, zero duplicated, every check passed.
    public var passed: Bool { lost == 0 && duplicated == 0 && checks.allSatisfy(\.passed) }

    /// Faults that recovered within the limit.
    public var recovered: Int { faults.filter { $0.recovery != nil }.count }

    /// The table `make chaos` prints, ending with `lost: N` and `duplicated: N`.
    public var table: String {
        var lines = [
            "| fault | injected | recovered | time to recover (median / max) |",
            "| --- | ---: | ---: | --- |",
        ]
        for fault in ChaosFault.allCases {
            let records = faults.filter { $0.fault == fault }
            guard !records.isEmpty else { continue }
            let times = records.compactMap(\.recovery).sorted()
            let timing = times.isEmpty ? "-" : "\(Self.format(times[(times.count - 1) / 2])) s / \(Self.format(times.last!)) s"
            lines.append("| \(fault.rawValue) | \(records.count) | \(times.count) | \(timing) |")
        }
        let total = jobs.values.reduce(0, +)
        let byStatus = jobs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines += [
            "",
            "faults injected: \(faults.count) of \(planned) planned; recovered: \(recovered)",
            "jobs: \(total) for \(accounts) accounts (\(byStatus)); run took \(Self.format(seconds)) s",
            "broker answers: " + brokerAnswers.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "),
            "dead letters: \(deadLetters)",
            "checks:",
        ]
        lines += checks.map { "  \($0.passed ? "ok  " : "FAIL") \($0.name)\($0.detail.isEmpty ? "" : ": \($0.detail)")" }
        lines += [
            "dead letters caused by our faults: \(deadByOutage)", "reauth_required caused by our faults: \(reauthByOutage)",
            "lost: \(lost)", "duplicated: \(duplicated)",
        ]
        return lines.joined(separator: "\n")
    }

    static func format(_ seconds: Double) -> String { String(format: "%.1f", seconds) }
}
