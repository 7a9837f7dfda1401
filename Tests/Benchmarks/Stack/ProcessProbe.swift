import Foundation
import RedisClient
import TestSupport

/// CPU time and memory of the processes a benchmark started, read from `/proc`.
///
/// A process's CPU time is its own `utime + stime` plus that of the children it has reaped
/// (`cutime + cstime`), plus that of its live children: so Postgres backends that come and go
/// are all counted under the postmaster.
struct ProcessProbe: Sendable {
    /// A named process to watch, and whether its live children count too (Postgres).
    struct Watched: Sendable {
        var name: String
        var pid: Int32
        var withChildren = false
    }

    var processes: [Watched]

    private static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// CPU seconds so far, per watched name (several replicas of one name add up).
    func cpuSeconds() -> [String: Double] {
        var byName: [String: Double] = [:]
        let children = processes.contains { $0.withChildren } ? Self.childrenByParent() : [:]
        for process in processes {
            var total = Self.cpu(process.pid, includingReaped: true)
            if process.withChildren {
                for child in children[process.pid] ?? [] { total += Self.cpu(child, includingReaped: true) }
            }
            byName[process.name, default: 0] += total
        }
        return byName
    }

    /// Peak resident set (VmHWM) in MB per watched name (the largest replica).
    func peakRSS() -> [String: Double] {
        var byName: [String: Double] = [:]
        for process in processes { byName[process.name] = max(byName[process.name] ?? 0, Self.status(process.pid, "VmHWM")) }
        return byName
    }

    /// Current resident set (VmRSS) in MB per watched name (the largest replica).
    func rss() -> [String: Double] {
        var byName: [String: Double] = [:]
        for process in processes { byName[process.name] = max(byName[process.name] ?? 0, Self.status(process.pid, "VmRSS")) }
        return byName
    }

    /// `utime + stime` (and `cutime + cstime`) of `pid`, in seconds; 0 if it is gone.
    static func cpu(_ pid: Int32, includingReaped: Bool) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name, which may contain spaces: state is field 3, utime 14 … cstime 17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15 else { return 0 }
        let values = fields[11...14].map { Double($0) ?? 0 }
        return (values[0] + values[1] + (includingReaped ? values[2] + values[3] : 0)) / ticks
    }

    /// A `kB` line of `/proc/PID/status`, in MB.
    static func status(_ pid: Int32, _ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
            return kilobytes / 1024
        }
        return 0
    }

    /// Every live process's children.
    static func childrenByParent() -> [Int32: [Int32]] {
        var map: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { map[parent, default: []].append(pid) }
        }
        return map
    }
}

extension Stack {
    /// Every process of the stack: our services by name, brokersim, Redis, and Postgres with its backends.
    func probe() async throws -> ProcessProbe {
        var processes: [ProcessProbe.Watched] = []
        for product in ["psync-persistence", "psync-dispatcher", "psync-scheduler", "psync-monitor", "psync-brokersim"] {
            for process in running(product) { processes.append(.init(name: product, pid: process.child.pid)) }
        }
        for broker in ["SANDBOX", "ZERODHA"] {
            for process in running("psync-gateway", arguments: ["--broker", broker]) {
                processes.append(.init(name: "psync-gateway", pid: process.child.pid))
            }
        }
        let info = try await redis.send(["INFO", "server"]).string ?? ""
        if let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("process_id:") }),
            let pid = Int32(line.dropFirst("process_id:".count))
        {
            processes.append(.init(name: "redis-server", pid: pid))
        }
        let postgres = try await TestServers.postgres()
        if let text = try? String(contentsOfFile: postgres.directory + "/data/postmaster.pid", encoding: .utf8),
            let pid = text.split(separator: "\n").first.flatMap({ Int32($0) })
        {
            processes.append(.init(name: "postgres", pid: pid, withChildren: true))
        }
        return ProcessProbe(processes: processes)
    }
}

/// Percentile `p` (0…100) of a sample, nearest rank.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank - 1, 0), sorted.count - 1)]
}

/// `12.3` style.
func fixed(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}
