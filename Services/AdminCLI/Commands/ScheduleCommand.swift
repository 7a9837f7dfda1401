import ArgumentParser
import Contracts
import Foundation

/// `psync schedule add|list|show|update|pause|resume|delete|run-now`.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Periodic syncs: add, list, show, update, pause, resume, delete and run-now.",
        discussion: """
            Examples:
              psync schedule add --name demo --every 5m --all --action holdings
              psync schedule add --name mornings --cron "0 9 * * MON-FRI" --tz Asia/Kolkata --portfolio 7
              psync schedule add --name once --at "2026-12-01 09:00" --tz Asia/Kolkata --account 31
            """,
        subcommands: [Add.self, List.self, Show.self, Update.self, Pause.self, Resume.self, Delete.self, RunNow.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a schedule and print it with its next fire times.",
            discussion: "Example: psync schedule add --name demo --every 5m --all --action holdings,transactions --misfire skip")
        @Option(help: "A name for the schedule.") var name: String
        @OptionGroup var timing: ScheduleTiming
        @OptionGroup var scope: ScopeOptions
        @Option(help: "What to fetch: holdings, transactions, positions (comma-separated).") var action = ActionList(argument: "holdings")!
        @Option(help: "Fires missed while no scheduler ran: skip, once or all.") var misfire = MisfirePolicy.once
        @Flag(help: "Create it paused.") var paused = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            guard timing.isGiven else { throw CLIError("say when it fires: --every 15m, --cron \"0 9 * * MON-FRI\" or --at TIME") }
            var patch = SchedulePatch(id: 0)
            try timing.patch(into: &patch)
            let definition = ScheduleDefinition(
                name: name, kind: patch.kind!, everySeconds: patch.everySeconds, cron: patch.cron, timeZone: patch.timeZone ?? "UTC",
                runAt: patch.runAt, scope: try scope.scope(), actions: action.actions, enabled: !paused, misfirePolicy: misfire)
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.createSchedule, definition), render)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List schedules with their next fire in local time.", discussion: "Example: psync schedule list --json")
        @Flag(help: "Only enabled schedules.") var enabled = false
        @Flag(help: "Only paused schedules.") var paused = false
        @Option(help: "At most this many.") var limit = 200
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let filter: Bool? = enabled ? true : (paused ? false : nil)
            try await AdminSession.run(connection) { session in
                let page = try await Paging.collect(limit: limit) { cursor, size in
                    try await session.scheduler.call(SchedulerAPI.listSchedules, ListSchedules(enabled: filter, cursor: cursor, limit: size))
                }
                try Console.emit(page) { page in
                    var table = Table([
                        .init("ID", numeric: true), .init("NAME"), .init("WHEN"), .init("SCOPE"), .init("ACTIONS"), .init("STATE"),
                        .init("NEXT FIRE"), .init("LAST RUN"), .init("RUNS", numeric: true),
                    ])
                    for view in page.items {
                        let schedule = view.schedule
                        let definition = schedule.definition
                        table.append([
                            "\(schedule.id)", definition.name, ScheduleTiming.describe(definition), definition.scope.description,
                            definition.actions.map(\.rawValue).joined(separator: ","), definition.enabled ? "enabled" : "paused",
                            Format.timeWithDistance(schedule.nextRunAt), Format.time(schedule.lastRunAt), "\(schedule.totalRunCount)",
                        ])
                    }
                    return table.render(empty: "no schedules") + Paging.footer(page)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a schedule and its next five fires.", discussion: "Example: psync schedule show 3")
        @Argument(help: "The schedule's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.getSchedule, ByID(id: id)), render)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change some fields of a schedule; a new timing restarts it from now.",
            discussion: "Example: psync schedule update 3 --every 1h --action holdings,transactions")
        @Argument(help: "The schedule's id.") var id: Int
        @Option(help: "A new name.") var name: String?
        @OptionGroup var timing: ScheduleTiming
        @OptionGroup var scope: ScopeOptions
        @Option(help: "What to fetch (comma-separated).") var action: ActionList?
        @Option(help: "Fires missed while no scheduler ran: skip, once or all.") var misfire: MisfirePolicy?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var patch = SchedulePatch(id: id, name: name, actions: action?.actions, misfirePolicy: misfire)
            try timing.patch(into: &patch)
            if scope.isGiven { patch.scope = try scope.scope() }
            guard patch != SchedulePatch(id: id) else {
                throw CLIError("nothing to change: give --name, --every, --cron, --at, --tz, a scope, --action or --misfire")
            }
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.updateSchedule, patch), render)
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a schedule firing.", discussion: "Example: psync schedule pause 3")
        @Argument(help: "The schedule's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.pauseSchedule, ByID(id: id)), render)
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a paused schedule fire again, from its next due time after now.", discussion: "Example: psync schedule resume 3")
        @Argument(help: "The schedule's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.resumeSchedule, ByID(id: id)), render)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule.", discussion: "Example: psync schedule delete 3")
        @Argument(help: "The schedule's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.deleteSchedule, ByID(id: id))) { "schedule \($0.id) deleted" }
            }
        }
    }

    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-now", abstract: "Fire a schedule now, outside its timing.", discussion: "Example: psync schedule run-now 3")
        @Argument(help: "The schedule's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminSession.run(connection) { session in
                try Console.emit(try await session.scheduler.call(SchedulerAPI.runScheduleNow, ByID(id: id))) {
                    "schedule \($0.scheduleID) fired at \(Format.time($0.fireTime)); its run shows in `psync runs list --schedule \($0.scheduleID)`"
                }
            }
        }
    }

    static func render(_ view: ScheduleView) -> String {
        let schedule = view.schedule
        let definition = schedule.definition
        var details = Details()
        details.add("schedule", "\(schedule.id)")
        details.add("name", definition.name)
        details.add("when", ScheduleTiming.describe(definition))
        details.add("scope", definition.scope.description)
        details.add("actions", definition.actions.map(\.rawValue).joined(separator: ", "))
        details.add("state", definition.enabled ? "enabled" : "paused")
        details.add("misfires", definition.misfirePolicy.rawValue)
        details.add("next fire", Format.timeWithDistance(schedule.nextRunAt))
        details.add("last run", Format.time(schedule.lastRunAt))
        details.add("runs", "\(schedule.totalRunCount)")
        var text = details.render()
        if view.upcoming.count > 1 {
            text += "upcoming:\n" + view.upcoming.map { "  \(Format.timeWithDistance($0))" }.joined(separator: "\n") + "\n"
        }
        return text
    }
}
