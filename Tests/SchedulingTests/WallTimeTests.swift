import Contracts
import FoundationEssentials
import Scheduling
import Testing

@Suite("Wall times and durations as people type them")
struct WallTimeTests {
    @Test("a wall time is read in its zone (DST included); ISO 8601 with an offset keeps its own; nonsense is nil")
    func instants() {
        #expect(WallTime.instant("2030-01-01 09:00", zone: "Asia/Kolkata") == ISO8601.parse("2030-01-01T03:30:00Z"))
        #expect(WallTime.instant("2030-01-01T09:00", zone: "Asia/Kolkata") == ISO8601.parse("2030-01-01T03:30:00Z"), "as datetime-local sends it")
        #expect(WallTime.instant("2026-07-01 09:00:30", zone: "America/New_York") == ISO8601.parse("2026-07-01T13:00:30Z"), "EDT")
        #expect(WallTime.instant("2026-12-01 09:00", zone: "America/New_York") == ISO8601.parse("2026-12-01T14:00:00Z"), "EST")
        #expect(WallTime.instant("2026-12-01T09:00:00+05:30", zone: "UTC") == ISO8601.parse("2026-12-01T03:30:00Z"))
        for bad in ["tomorrow", "2026-13-01 09:00", "2026-12-01 25:00", "2026-12-01", "2026-12-01 09", "2026-12-01 09:00:00:00"] {
            #expect(WallTime.instant(bad, zone: "UTC") == nil, "\(bad)")
        }
        #expect(WallTime.instant("2026-12-01 09:00", zone: "Mars/Olympus") == nil)
        #expect(!WallTime.isKnown("EST") && WallTime.isKnown("Asia/Kolkata") && WallTime.isKnown("UTC"))
    }

    @Test("a time shown in a zone reads back as the same instant")
    func roundTrip() throws {
        let date = try #require(ISO8601.parse("2026-12-01T03:30:00Z"))
        #expect(WallTime.text(date, zone: "Asia/Kolkata") == "2026-12-01T09:00")
        #expect(WallTime.instant(WallTime.text(date, zone: "Europe/London"), zone: "Europe/London") == date)
        let shown = WallTime.display(date, zone: "Asia/Kolkata")
        #expect(shown == "2026-12-01 09:00 IST" || shown == "2026-12-01 09:00 Asia/Kolkata", "\(shown)")
    }

    @Test("durations: 5s, 15m, 1h30m; nonsense is nil; the shortest text back")
    func durations() {
        #expect(DurationText.seconds("1h30m") == 5400 && DurationText.seconds("15m") == 900 && DurationText.seconds("1d") == 86400)
        #expect(DurationText.seconds("soon") == nil && DurationText.seconds("5") == nil && DurationText.seconds("0m") == nil)
        #expect(DurationText.text(5400) == "1h30m" && DurationText.text(86400) == "1d")
    }
}
