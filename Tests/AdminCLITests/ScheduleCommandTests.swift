import Contracts
import Foundation
import TestSupport
import Testing

@Suite("psync: schedules")
struct ScheduleCommandTests {
    @Test(
        "add by interval, cron in a zone and a one-off time; a bad cron gives the server's field message; list, update, pause, resume, run-now, delete"
    )
    func schedules() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-scheduler")
        let cli = try CLI(stack)
        let user = try #require(try await cli.json("user", "add", "--email", "s@example.com", "--name", "S")["id"].int)
        let portfolio = try #require(try await cli.json("portfolio", "add", "--user", "\(user)", "--name", "P")["id"].int)
        let account = try #require(
            try await cli.json("account", "add", "--portfolio", "\(portfolio)", "--broker", "SANDBOX", "--label", "A")["id"].int)

        let demo = try await cli.run("schedule", "add", "--name", "demo", "--every", "5m", "--all", "--action", "holdings")
        #expect(
            demo.status == 0 && demo.stdout.contains("every 5m") && demo.stdout.contains("next fire:") && demo.stdout.contains("upcoming:"), "\(demo)"
        )
        let cron = try await cli.json(
            "schedule", "add", "--name", "mornings", "--cron", "0 9 * * MON-FRI", "--tz", "Asia/Kolkata", "--portfolio", "\(portfolio)", "--action",
            "holdings,transactions", "--misfire", "skip")
        let cronID = try #require(cron["schedule"]["id"].int)
        let definition = cron["schedule"]["definition"]
        #expect(
            definition["kind"].string == "cron" && definition["timeZone"].string == "Asia/Kolkata" && definition["misfirePolicy"].string == "skip")
        #expect(definition["actions"].array.map(\.string) == ["holdings", "transactions"] && definition["scope"]["kind"].string == "portfolio")
        #expect(cron["upcoming"].array.count == 5 && cron["upcoming"].array.allSatisfy { $0.string?.hasSuffix(":30:00.000Z") == true })
        let once = try await cli.json(
            "schedule", "add", "--name", "once", "--at", "2030-01-01 09:00", "--tz", "Asia/Kolkata", "--account", "\(account)")
        #expect(once["schedule"]["definition"]["runAt"].string == "2030-01-01T03:30:00.000Z", "\(once)")

        let bad = try await cli.run("schedule", "add", "--name", "bad", "--cron", "0 25 * * *", "--all")
        #expect(bad.status == 1 && bad.stderr == "psync: cron field 'hour' must be 0-23, got 25\n", "\(bad)")
        let badEvery = try await cli.run("schedule", "add", "--name", "bad", "--every", "soon", "--all")
        #expect(badEvery.status == 1 && badEvery.stderr.contains("--every must be an interval"), "\(badEvery)")

        let list = try await cli.run("schedule", "list")
        #expect(list.status == 0 && list.stdout.contains("NEXT FIRE") && list.stdout.contains("demo") && list.stdout.contains("mornings"), "\(list)")
        #expect(list.stdout.contains("cron 0 9 * * MON-FRI (Asia/Kolkata)") && list.stdout.contains("(in "), "\(list)")
        let listJSON = try await cli.json("schedule", "list")
        #expect(listJSON["items"].array.map { $0["schedule"]["definition"]["name"].string } == ["demo", "mornings", "once"])

        #expect(try await cli.json("schedule", "update", "\(cronID)", "--every", "1h")["schedule"]["definition"]["kind"].string == "interval")
        let paused = try await cli.run("schedule", "pause", "\(cronID)")
        #expect(paused.status == 0 && paused.stdout.contains("paused"), "\(paused)")
        #expect(try await cli.json("schedule", "resume", "\(cronID)")["schedule"]["definition"]["enabled"].bool == true)
        let fired = try await cli.run("schedule", "run-now", "\(cronID)")
        #expect(fired.status == 0 && fired.stdout.contains("schedule \(cronID) fired at"), "\(fired)")
        let deleted = try await cli.run("schedule", "delete", "\(cronID)")
        #expect(deleted.status == 0 && deleted.stdout == "schedule \(cronID) deleted\n", "\(deleted)")
        let missing = try await cli.run("schedule", "show", "\(cronID)")
        #expect(missing.status == 1 && missing.stderr == "psync: schedule \(cronID) does not exist\n", "\(missing)")
        await stack.stop()
    }
}
