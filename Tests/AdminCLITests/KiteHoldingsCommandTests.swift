import Contracts
import Foundation
import RPC
import TestSupport
import Testing

@Suite("psync: Kite's quantity split, notes and logins ending before the next run")
struct KiteHoldingsCommandTests {
    @Test("holdings show free / T+1 / pledged, the MTF lot and the notes; --json carries the split; account list flags logins ending early")
    func splitAndNotes() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("ZERODHA")
        let tokens = ["pledged-t1-mtf-mfdenied-acct0", "pnlskew-acct1"]
        let accounts = try await stack.makeAccounts(broker: "ZERODHA", count: 2) { ["api_key": "kite-key", "access_token": tokens[$0]] }
        let cli = try CLI(stack)
        let synced = try await cli.run("sync", "--account", "\(accounts[0].id)", "--now")
        #expect(synced.status == 0, "\(synced)")
        #expect(try await cli.run("sync", "--account", "\(accounts[1].id)", "--now").status == 0)

        let table = try await cli.run("holdings", "--account", "\(accounts[0].id)")
        #expect(table.status == 0, "\(table)")
        for column in ["FREE", "T+1", "PLEDGED", "LOT", "mtf"] { #expect(table.stdout.contains(column), "\(column) in \(table.stdout)") }
        #expect(table.stdout.contains("notes:") && table.stdout.contains("mutual-fund holdings unavailable: HTTP 403"), "\(table.stdout)")
        let json = try await cli.json("holdings", "--account", "\(accounts[0].id)")
        let split = json["holdings"].array.first { $0["split"]["pledged"].string.flatMap { Decimal(string: $0) }.map { $0 > 0 } ?? false }
        #expect(split?["split"]["free"].string != nil && split?["split"]["unsettled"].string != nil, "the split is in --json as exact strings")
        #expect(json["snapshot"]["notes"][0]["kind"].string == "part_unavailable")

        let portfolio = try await cli.run("holdings", "--portfolio", "\(accounts[0].portfolioID)")
        #expect(
            portfolio.stdout.contains("account \(accounts[1].id): ZERODHA reports a P&L of"), "the P&L note names its account: \(portfolio.stdout)")
        #expect(portfolio.stdout.components(separatedBy: "reports a P&L").count == 2, "one P&L note, for the one skewed holding")

        let listed = try await cli.run("account", "list")
        #expect(listed.stdout.contains("LOGIN EXPIRES") && listed.stdout.contains("00:30"), "Kite logins end at 06:00 IST (00:30 UTC): \(listed)")
        let definition = ScheduleDefinition(name: "weekly", kind: .interval, everySeconds: 7 * 86_400, scope: .all)
        _ = try await stack.persistence(as: Principal(.scheduler)).call(
            PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: Date().addingTimeInterval(3 * 86_400)))
        let expiring = try await cli.json("account", "list", "--login-expiring")
        #expect(Set(expiring["items"].array.compactMap { $0["id"].int }) == Set(accounts.map(\.id)))
        let shown = try await cli.run("account", "show", "\(accounts[0].id)")
        #expect(shown.stdout.contains("(before next run)"), "\(shown)")
        await stack.stop()
    }
}
