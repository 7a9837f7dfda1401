import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams

/// Scheduler replicas whose leader is killed again and again while interval schedules fire every
/// second: every fire must be sent exactly once, none skipped (misfire policy `all`).
public struct ChaosSchedulerDrill: Sendable {
    public struct Configuration: Sendable {
        /// Scheduler replicas (a killed leader is replaced at once).
        public var replicas = 3
        /// Schedules firing every second.
        public var schedules = 2
        /// Leaders killed, at least.
        public var leaderKills = 20
        /// Fires recorded, at least.
        public var fires = 200
        /// Time between two kills.
        public var killInterval: Duration = .seconds(4)
        /// Progress lines.
        public var log: @Sendable (String) -> Void = { _ in }

        public init() {}
    }

    /// What the drill found.
    public struct Report: Sendable {
        public var kills = 0
        /// Seconds from each kill until another replica led.
        public var failovers: [Double] = []
        public var recorded = 0
        public var sent = 0
        /// Fires sent more than once (extra copies).
        public var doubles = 0
        /// Fire times skipped between two sent fires of a schedule.
        public var missed = 0
        /// Fires recorded but never sent, or sent but never recorded.
        public var unmatched = 0
        public var configuration = Configuration()

        public var passed: Bool {
            kills >= configuration.leaderKills && recorded >= configuration.fires && doubles == 0 && missed == 0 && unmatched == 0
        }

        public var table: String {
            let sorted = failovers.sorted()
            let failover = sorted.isEmpty ? "-" : "\(ChaosReport.format(sorted[(sorted.count - 1) / 2])) s / \(ChaosReport.format(sorted.last!)) s"
            return [
                "| scheduler drill | |", "| --- | --- |",
                "| replicas | \(configuration.replicas) |",
                "| leader kills (kill -9) | \(kills) |",
                "| new leader after a kill (median / max) | \(failover) |",
                "| fires recorded / sent | \(recorded) / \(sent) |",
                "| double fires | \(doubles) |",
                "| missed fires | \(missed) |",
                "| recorded but not sent, or sent but not recorded | \(unmatched) |",
            ].joined(separator: "\n")
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func run() async throws -> Report {
        let log = configuration.log
        let stack = try await Stack.start(["PSYNC_LEADER_LEASE": "1s", "PSYNC_SCHEDULE_POLL": "100ms"])
        var report = Report(configuration: configuration)
        do {
            for _ in 0..<configuration.replicas { try await stack.launch("psync-scheduler") }
            var ids: [Int] = []
            for index in 0..<configuration.schedules {
                let view = try await stack.scheduler.call(
                    SchedulerAPI.createSchedule,
                    ScheduleDefinition(name: "chaos-every-second-\(index)", kind: .interval, everySeconds: 1, scope: .all, misfirePolicy: .all))
                ids.append(view.schedule.id)
            }
            let clock = ContinuousClock()
            while report.kills < configuration.leaderKills || report.recorded < configuration.fires {
                try await Task.sleep(for: configuration.killInterval)
                report.recorded = try await stack.count("SELECT count(*)::int FROM schedule_fires")
                guard let leader = try await leader(stack) else { continue }
                await leader.child.kill9()
                let killed = clock.now
                report.kills += 1
                try await stack.launch("psync-scheduler")
                try await eventually(timeout: .seconds(30), every: .milliseconds(20), "a new scheduler leader") {
                    try await self.leader(stack) != nil
                }
                report.failovers.append((clock.now - killed).inSeconds)
                log(
                    "leader kill \(report.kills): pid \(leader.child.pid); new leader after \(ChaosReport.format(report.failovers.last!)) s; \(report.recorded) fires"
                )
            }
            for id in ids { _ = try await stack.scheduler.call(SchedulerAPI.pauseSchedule, ByID(id: id)) }
            try await eventually(timeout: .seconds(30), "every recorded fire to be sent") {
                try await stack.count("SELECT count(*)::int FROM schedule_fires WHERE sent_at IS NULL") == 0
            }
            let sent = try await stack.redis.xrange(StreamNames.dispatch).map { try StreamEnvelope.decode(FireMessage.self, from: $0.fields).0 }
            var counts: [String: Int] = [:]
            for fire in sent { counts["\(fire.scheduleID)@\(fire.fireTime.timeIntervalSince1970)", default: 0] += 1 }
            let recorded = try await stack.database.query("SELECT schedule_id, fire_time FROM schedule_fires").map { row in
                "\(try row.decode(Int.self, named: "schedule_id"))@\(try row.decode(Date.self, named: "fire_time").timeIntervalSince1970)"
            }
            report.recorded = recorded.count
            report.sent = sent.count
            report.doubles = counts.values.map { $0 - 1 }.reduce(0, +)
            report.unmatched = Set(recorded).symmetricDifference(Set(counts.keys)).count
            for id in ids {
                let times = Set(sent.filter { $0.scheduleID == id }.map(\.fireTime.timeIntervalSince1970)).sorted()
                report.missed += zip(times, times.dropFirst()).map { Int(($1 - $0).rounded()) - 1 }.filter { $0 > 0 }.reduce(0, +)
            }
        } catch {
            log("the scheduler drill failed: \(error)\n\(stack.logs().suffix(3000))")
            await stack.stop()
            throw error
        }
        await stack.stop()
        return report
    }

    /// The replica that leads now, if one does.
    private func leader(_ stack: Stack) async throws -> ServiceProcess? {
        for replica in stack.running("psync-scheduler") {
            let client = RPCClient(baseURL: replica.baseURL, token: Stack.readToken, client: stack.http, timeout: .seconds(5))
            if let status = try? await client.call(SchedulerAPI.status), status.isLeader { return replica }
        }
        return nil
    }
}
