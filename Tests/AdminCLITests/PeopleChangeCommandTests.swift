import Contracts
import Foundation
import RPC
import TestSupport
import Testing

@Suite("psync: update and delete users, portfolios and accounts; search lists")
struct PeopleChangeCommandTests {
    @Test("update changes what it is given; delete refuses an owner (409 message) and removes an empty one; list --search finds by part of a name")
    func updateAndDelete() async throws {
        let stack = try await Stack.start()
        let cli = try CLI(stack)
        let userID = try #require(try await cli.json("user", "add", "--email", "upd@example.com", "--name", "Before")["id"].int)
        let updated = try await cli.json("user", "update", "\(userID)", "--name", "After", "--email", "after@example.com")
        #expect(updated["name"].string == "After" && updated["email"].string == "after@example.com")
        let nothing = try await cli.run("user", "update", "\(userID)")
        #expect(nothing.status != 0 && nothing.stderr.contains("give --email, --name or both"), "\(nothing)")
        let found = try await cli.run("user", "list", "--search", "AFT")
        #expect(found.status == 0 && found.stdout.contains("after@example.com"), "\(found)")
        #expect(!(try await cli.run("user", "list", "--search", "zzz-nobody")).stdout.contains("after@example.com"))

        let portfolioID = try #require(try await cli.json("portfolio", "add", "--user", "\(userID)", "--name", "Old")["id"].int)
        let portfolio = try await cli.json("portfolio", "update", "\(portfolioID)", "--name", "New", "--currency", "usd")
        #expect(portfolio["name"].string == "New" && portfolio["baseCurrency"].string == "USD")
        #expect((try await cli.run("portfolio", "list", "--search", "after@")).stdout.contains("New"))
        let accountID = try #require(
            try await cli.json("account", "add", "--portfolio", "\(portfolioID)", "--broker", "SANDBOX", "--label", "demo")["id"].int)
        let account = try await cli.json("account", "update", "\(accountID)", "--label", "renamed", "--external-user-id", "X9")
        #expect(account["label"].string == "renamed" && account["externalUserID"].string == "X9")
        #expect((try await cli.run("account", "list", "--search", "RENAMED")).stdout.contains("renamed"))

        let owner = try await cli.run("user", "delete", "\(userID)")
        #expect(owner.status == 1 && owner.stderr.contains("owns 1 portfolio"), "\(owner)")
        let holding = try await cli.run("portfolio", "delete", "\(portfolioID)")
        #expect(holding.status == 1 && holding.stderr.contains("holds 1 account"), "\(holding)")
        _ = try await cli.json("account", "delete", "\(accountID)")
        #expect(try await cli.json("portfolio", "delete", "\(portfolioID)")["id"].int == portfolioID)
        #expect(try await cli.json("user", "delete", "\(userID)")["id"].int == userID)
        let gone = try await cli.run("user", "show", "\(userID)")
        #expect(gone.status == 1 && gone.stderr == "psync: user \(userID) does not exist\n", "\(gone)")
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "user", entityID: "\(userID)")).items
        #expect(audit.map(\.action).sorted() == ["create", "delete", "update"] && audit.allSatisfy { $0.actor == "admin" })
        await stack.stop()
    }
}
