import Contracts
import Foundation
import PostgresClient
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

/// The fires on `psync:dispatch`, with when each was appended (the entry id's milliseconds).
func sentFires(_ stack: Stack) async throws -> [(fire: FireMessage, sentAt: Date)] {
    try await stack.redis.xrange(StreamNames.dispatch).map { entry in
        (try StreamEnvelope.decode(FireMessage.self, from: entry.fields).0, Date(timeIntervalSince1970: Double(entry.id.milliseconds) / 1000))
    }
}

extension Stack {
    /// The scheduler replica that leads now, if one does.
    func schedulerLeader() async throws -> ServiceProcess? {
        for replica in running("psync-scheduler") {
            let client = RPCClient(baseURL: replica.baseURL, token: Stack.readToken, client: http, timeout: .seconds(5))
            if let status = try? await client.call(SchedulerAPI.status), status.isLeader { return replica }
        }
        return nil
    }
}

@Suite("Scheduler: replicas, exactly-once fires, edits, misfires")
struct SchedulerTests {
    static let fast = ["PSYNC_LEADER_LEASE": "1s", "PSYNC_SCHEDULE_POLL": "100ms"]

    @Test("three replicas, the leader killed or frozen again and again over 200+ fires: every fire sent exactly once, none lost")
    func failover() async throws {
        let stack = try await Stack.start(Self.fast)
        for _ in 0..<3 { try await stack.launch("psync-scheduler") }
        let scheduler = try stack.scheduler
        var ids: [Int] = []
        for index in 0..<8 {
            let view = try await scheduler.call(
                SchedulerAPI.createSchedule,
                ScheduleDefinition(name: "every-second-\(index)", kind: .interval, everySeconds: 1, scope: .all, misfirePolicy: .all))
            ids.append(view.schedule.id)
        }
        var failovers = 0
        var frozen = false
        while try await stack.count("SELECT count(*)::int FROM schedule_fires") < 220 {
            try await Task.sleep(for: .milliseconds(1500))
            guard let leader = try await stack.schedulerLeader() else { continue }
            if failovers % 3 == 2 && !frozen {
                // A leader that freezes past its lease and wakes up must not send anything more.
                leader.child.signal(SIGSTOP)
                try await Task.sleep(for: .milliseconds(2500))
                leader.child.signal(SIGCONT)
                frozen = true
            } else {
                await leader.child.kill9()
                try await stack.launch("psync-scheduler")
            }
            failovers += 1
        }
        for id in ids { _ = try await stack.scheduler.call(SchedulerAPI.pauseSchedule, ByID(id: id)) }
        // A fire recorded by a leader killed before sending it is sent by the next leader, paused schedule or not.
        try await eventually(timeout: .seconds(20), "every recorded fire to be sent") {
            try await stack.count("SELECT count(*)::int FROM schedule_fires WHERE sent_at IS NULL") == 0
        }
        #expect(failovers >= 5)

        let sent = try await sentFires(stack)
        var counts: [String: Int] = [:]
        for (fire, _) in sent { counts["\(fire.scheduleID)@\(fire.fireTime.timeIntervalSince1970)", default: 0] += 1 }
        #expect(counts.values.allSatisfy { $0 == 1 }, "fires sent twice: \(counts.filter { $0.value > 1 })")
        let recorded = try await stack.database.query("SELECT schedule_id, fire_time FROM schedule_fires").map { row in
            "\(try row.decode(Int.self, named: "schedule_id"))@\(try row.decode(Date.self, named: "fire_time").timeIntervalSince1970)"
        }
        #expect(Set(recorded) == Set(counts.keys), "recorded but not sent, or sent but not recorded")
        #expect(recorded.count >= 200)
        for id in ids {
            let times = sent.filter { $0.fire.scheduleID == id }.map(\.fire.fireTime.timeIntervalSince1970).sorted()
            let gaps = zip(times, times.dropFirst()).map { $1 - $0 }.filter { $0 != 1 }
            #expect(gaps.isEmpty, "schedule \(id) skipped fires: gaps \(gaps)")
        }
        await stack.stop()
    }

    @Test("an edit reaches the leader within 2 s, and fires are sent within 1 s of their due time")
    func editsAndPromptness() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-scheduler")
        try await stack.launch("psync-scheduler")
        let scheduler = try stack.scheduler
        try await eventually("a leader") { try await scheduler.call(SchedulerAPI.status).leader != nil }
        let view = try await scheduler.call(
            SchedulerAPI.createSchedule, ScheduleDefinition(name: "daily", kind: .cron, cron: "0 3 * * *", timeZone: "Asia/Kolkata", scope: .all))
        #expect(view.upcoming.count == 5)
        try await Task.sleep(for: .seconds(1))  // the leader has loaded it by now
        // Edited to fire once, half a second from now: the fire shows when the leader learnt of the edit.
        let edited = Date()
        let runAt = Date(timeIntervalSince1970: (edited.timeIntervalSince1970 * 1000 + 500).rounded(.down) / 1000)
        _ = try await scheduler.call(SchedulerAPI.updateSchedule, SchedulePatch(id: view.schedule.id, kind: .once, runAt: runAt))
        try await eventually(timeout: .seconds(5), "the edited schedule to fire") { !(try await sentFires(stack)).isEmpty }
        let first = try await sentFires(stack)[0]
        #expect(abs(first.fire.fireTime.timeIntervalSince(runAt)) < 0.001)
        #expect(first.sentAt.timeIntervalSince(edited) < 2.0, "the edit took \(first.sentAt.timeIntervalSince(edited)) s to take effect")
        try await eventually("the one-off schedule to be disabled once fired") {
            try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: view.schedule.id)).schedule.definition.enabled == false
        }

        let everySecond = try await scheduler.call(
            SchedulerAPI.createSchedule, ScheduleDefinition(name: "every-second", kind: .interval, everySeconds: 1, scope: .all))
        try await Task.sleep(for: .seconds(4))
        let fires = try await sentFires(stack).filter { $0.fire.scheduleID == everySecond.schedule.id }
        #expect(fires.count >= 2)
        for (fire, sentAt) in fires {
            #expect(sentAt.timeIntervalSince(fire.fireTime) < 1.0, "fire due \(fire.fireTime) sent at \(sentAt)")
            #expect(sentAt.timeIntervalSince(fire.fireTime) > -0.05)
        }
        await stack.stop()
    }

    @Test("after an hour of downtime: skip sends nothing, once sends the latest missed fire, all sends every one")
    func misfires() async throws {
        let stack = try await Stack.start(Self.fast)
        try await stack.launch("psync-scheduler")
        let scheduler = try stack.scheduler
        var ids: [MisfirePolicy: Int] = [:]
        for policy in MisfirePolicy.allCases {
            let view = try await scheduler.call(
                SchedulerAPI.createSchedule,
                ScheduleDefinition(name: "ten-minutes-\(policy.rawValue)", kind: .interval, everySeconds: 600, scope: .all, misfirePolicy: policy))
            ids[policy] = view.schedule.id
        }
        await stack.running("psync-scheduler")[0].child.stop()
        // An hour passes with no scheduler: each schedule was due 61 minutes ago.
        let due = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3660).rounded(.down))
        try await stack.database.execute("UPDATE schedules SET next_run_at = \(due)")
        try await stack.launch("psync-scheduler", environment: ["PSYNC_MISFIRE_GRACE": "30s"])
        try await eventually("every schedule to move past now") {
            try await stack.database.query("SELECT count(*)::int FROM schedules WHERE next_run_at > now()").scalar(Int.self) == 3
        }
        try await Task.sleep(for: .milliseconds(500))
        let sent = try await sentFires(stack).map(\.fire)
        let missed = (0...6).map { due.addingTimeInterval(Double($0) * 600) }.filter { $0 <= Date() }
        #expect(missed.count == 7)
        #expect(sent.filter { $0.scheduleID == ids[.skip] }.isEmpty)
        #expect(sent.filter { $0.scheduleID == ids[.once] }.map(\.fireTime) == [missed.last!])
        #expect(sent.filter { $0.scheduleID == ids[.all] }.map(\.fireTime) == missed)
        for id in ids.values {
            let schedule = try await stack.scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)).schedule
            #expect(schedule.nextRunAt == missed.last!.addingTimeInterval(600))
        }
        await stack.stop()
    }

    @Test("a fire recorded by a scheduler that died before sending it is sent by the next leader, once, even if the schedule is paused")
    func unsentFire() async throws {
        let stack = try await Stack.start(Self.fast)
        let schedule = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule,
            SaveSchedule(
                definition: ScheduleDefinition(name: "paused", kind: .interval, everySeconds: 60, scope: .all, enabled: false), nextRunAt: nil))
        let fireTime = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: fireTime, fence: 1))
        try await stack.launch("psync-scheduler")
        try await stack.launch("psync-scheduler")
        try await eventually("the unsent fire to be sent") {
            try await stack.count("SELECT count(*)::int FROM schedule_fires WHERE sent_at IS NULL") == 0
        }
        try await Task.sleep(for: .milliseconds(500))
        let sent = try await sentFires(stack)
        #expect(sent.count == 1 && sent[0].fire.scheduleID == schedule.id && sent[0].fire.fireTime == fireTime)
        await stack.stop()
    }

    /// The message and field of the error creating `definition` gets.
    static func problem(_ scheduler: RPCClient<CurlTransport>, _ definition: ScheduleDefinition) async -> (String?, String?) {
        do {
            _ = try await scheduler.call(SchedulerAPI.createSchedule, definition)
            return (nil, nil)
        } catch {
            let rpcError = error as? RPCError
            return (rpcError?.message ?? "\(error)", rpcError?.details?["field"]?.stringValue)
        }
    }

    @Test("schedule RPCs: validation names the field; pause, resume, run-now, delete; list shows next fires")
    func rpcs() async throws {
        let stack = try await Stack.start(Self.fast)
        try await stack.launch("psync-scheduler")
        let scheduler = try stack.scheduler
        let problem = { (definition: ScheduleDefinition) in await Self.problem(scheduler, definition) }
        let cron = await problem(ScheduleDefinition(name: "bad", kind: .cron, cron: "0 25 * * *", scope: .all))
        #expect(cron.0 == "cron field 'hour' must be 0-23, got 25" && cron.1 == "cron")
        let zone = await problem(ScheduleDefinition(name: "bad", kind: .cron, cron: "0 9 * * *", timeZone: "Asia/Kolkatta", scope: .all))
        #expect(zone.0 == "timeZone 'Asia/Kolkatta' is not a known IANA time zone" && zone.1 == "timeZone")
        let past = await problem(ScheduleDefinition(name: "bad", kind: .once, runAt: Date().addingTimeInterval(-86400), scope: .all))
        #expect(past.1 == "runAt")
        let scope = await problem(ScheduleDefinition(name: "bad", kind: .interval, everySeconds: 60, scope: SyncScope(kind: .user), actions: []))
        #expect(scope.1 == "scope")

        let weekdays = try await scheduler.call(
            SchedulerAPI.createSchedule,
            ScheduleDefinition(name: "weekdays", kind: .cron, cron: "0 9 * * MON-FRI", timeZone: "Asia/Kolkata", scope: .all))
        #expect(weekdays.upcoming.count == 5)
        for time in weekdays.upcoming {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Kolkata")!
            let parts = calendar.dateComponents([.hour, .minute, .weekday], from: time)
            #expect(parts.hour == 9 && parts.minute == 0 && (2...6).contains(parts.weekday!))
        }
        let paused = try await scheduler.call(SchedulerAPI.pauseSchedule, ByID(id: weekdays.schedule.id))
        #expect(!paused.schedule.definition.enabled && paused.schedule.nextRunAt == nil && paused.upcoming.isEmpty)
        let resumed = try await scheduler.call(SchedulerAPI.resumeSchedule, ByID(id: weekdays.schedule.id))
        #expect(resumed.schedule.definition.enabled && resumed.schedule.nextRunAt == weekdays.upcoming[0])
        let renamed = try await scheduler.call(SchedulerAPI.updateSchedule, SchedulePatch(id: weekdays.schedule.id, name: "weekday mornings"))
        #expect(renamed.schedule.definition.name == "weekday mornings" && renamed.schedule.nextRunAt == weekdays.upcoming[0])

        let fired = try await scheduler.call(SchedulerAPI.runScheduleNow, ByID(id: weekdays.schedule.id))
        let sent = try await sentFires(stack)
        #expect(sent.count == 1 && sent[0].fire.scheduleID == weekdays.schedule.id && sent[0].fire.fireTime == fired.fireTime)
        #expect(try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: weekdays.schedule.id)).schedule.totalRunCount == 1)

        let listed = try await scheduler.call(SchedulerAPI.listSchedules, ListSchedules())
        #expect(listed.items.map(\.schedule.definition.name) == ["weekday mornings"])
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "schedule", entityID: String(weekdays.schedule.id)))
        #expect(audit.items.map(\.action).sorted() == ["create", "pause", "resume", "run", "update"])
        // The scheduler wrote them for the administrator who called it: both identities, both authenticated.
        #expect(audit.items.allSatisfy { $0.actor == "scheduler for admin" && $0.scope == "scheduler" }, "\(audit.items.map(\.actor))")
        _ = try await scheduler.call(SchedulerAPI.deleteSchedule, ByID(id: weekdays.schedule.id))
        await #expect { try await scheduler.call(SchedulerAPI.getSchedule, ByID(id: weekdays.schedule.id)) } throws: {
            ($0 as? RPCError)?.status == 404
        }
        let status = try await scheduler.call(SchedulerAPI.status)
        #expect(status.isLeader && status.fence != nil)
        await stack.stop()
    }
}
