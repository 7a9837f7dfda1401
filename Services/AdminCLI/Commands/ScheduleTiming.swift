import ArgumentParser
import Contracts
import Foundation
import Scheduling

/// When a schedule fires: `--every`, `--cron` with `--tz`, or `--at`.
struct ScheduleTiming: ParsableArguments {
    @Option(help: "Fire every interval: 5s, 15m, 1h, 1d, 1h30m.") var every: String?
    @Option(help: "Fire on a five-field cron expression, e.g. \"0 9 * * MON-FRI\".") var cron: String?
    @Option(help: "IANA time zone for --cron and a local --at (default: this machine's zone).") var tz: String?
    @Option(help: "Fire once at this time: ISO-8601 with an offset (2026-12-01T09:00:00+05:30), or a local time (2026-12-01 09:00) in --tz.")
    var at: String?

    var isGiven: Bool { every != nil || cron != nil || at != nil }

    var zone: String { tz ?? TimeZone.current.identifier }

    /// The patch fields for what was given; throws when more than one kind is given.
    func patch(into patch: inout SchedulePatch) throws {
        let given = [every, cron, at].compactMap { $0 }.count
        guard given <= 1 else { throw CLIError("give one of --every, --cron and --at") }
        if let every {
            guard let seconds = DurationText.seconds(every) else {
                throw CLIError("--every must be an interval such as 5s, 15m, 1h or 1d, got '\(every)'")
            }
            patch.kind = .interval
            patch.everySeconds = seconds
        } else if let cron {
            patch.kind = .cron
            patch.cron = cron
            patch.timeZone = zone
        } else if let at {
            patch.kind = .once
            patch.runAt = try Self.time(at, zone: zone)
            if let tz { patch.timeZone = tz }
        }
        if let tz, patch.timeZone == nil { patch.timeZone = tz }
    }

    /// `text` as an instant: ISO-8601 with an offset, or a local wall time in `zone` (the console's form reads it the same way).
    static func time(_ text: String, zone: String) throws -> Date {
        guard WallTime.isKnown(zone) || ISO8601.parse(text) != nil else {
            throw CLIError("--tz '\(zone)' is not an IANA time zone such as Asia/Kolkata")
        }
        guard let date = WallTime.instant(text, zone: zone) else {
            throw CLIError("--at must be a time such as 2026-12-01T09:00:00+05:30 or 2026-12-01 09:00 (in --tz), got '\(text)'")
        }
        return date
    }

    /// `every 5m`, `cron 0 9 * * MON-FRI (Asia/Kolkata)`, `once at …`.
    static func describe(_ definition: ScheduleDefinition) -> String {
        switch definition.kind {
        case .interval: "every \(definition.everySeconds.map(DurationText.text) ?? "?")"
        case .cron: "cron \(definition.cron ?? "?") (\(definition.timeZone))"
        case .once: "once at \(Format.time(definition.runAt))"
        }
    }
}
