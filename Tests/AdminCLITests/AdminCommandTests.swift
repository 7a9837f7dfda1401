import Contracts
import Foundation
import RPC
import TestSupport
import Testing

@Suite("psync: users, portfolios, accounts, brokers and credentials")
struct AdminCommandTests {
    @Test("each group's table and --json shape; unknown ids give the server's message and exit 1; the actor is audited")
    func adminGroups() async throws {
        let stack = try await Stack.start()
        let cli = try CLI(stack)

        let user = try await cli.json("user", "add", "--email", "cli@example.com", "--name", "Cli Person")
        let userID = try #require(user["id"].int)
        #expect(user["email"].string == "cli@example.com" && user["active"].bool == true && user["createdAt"].string?.hasSuffix("Z") == true)
        let added = try await cli.run("user", "add", "--email", "second@example.com", "--name", "Second")
        #expect(added.status == 0 && added.stdout.contains("second@example.com") && added.stdout.contains("email:"), "\(added)")
        let users = try await cli.run("user", "list")
        #expect(users.status == 0 && users.stdout.hasPrefix("ID") && users.stdout.contains("EMAIL"), "\(users)")
        #expect(users.stdout.contains("cli@example.com") && users.stdout.contains("second@example.com"))
        // --json anywhere on the line.
        let listed = try await cli.run("--json", "user", "list")
        #expect(listed.status == 0 && listed.stdout.contains("\"items\""), "\(listed)")
        #expect(try await cli.json("user", "disable", "\(userID)")["active"].bool == false)
        #expect(try await cli.json("user", "enable", "\(userID)")["active"].bool == true)

        let missing = try await cli.run("user", "show", "999999")
        #expect(missing.status == 1 && missing.stderr == "psync: user 999999 does not exist\n" && missing.stdout.isEmpty, "\(missing)")

        let portfolio = try await cli.json("portfolio", "add", "--user", "\(userID)", "--name", "Long term", "--currency", "INR")
        let portfolioID = try #require(portfolio["id"].int)
        #expect(portfolio["userID"].int == userID && portfolio["baseCurrency"].string == "INR")
        let portfolios = try await cli.run("portfolio", "list", "--user", "\(userID)")
        #expect(
            portfolios.stdout.contains("Long term") && portfolios.stdout.contains("INR") && portfolios.stdout.contains("CURRENCY"), "\(portfolios)")
        let badPortfolio = try await cli.run("portfolio", "add", "--user", "999999", "--name", "X")
        #expect(badPortfolio.status == 1 && badPortfolio.stderr.hasPrefix("psync: ") && badPortfolio.stderr.contains("999999"), "\(badPortfolio)")

        let account = try await cli.json(
            "account", "add", "--portfolio", "\(portfolioID)", "--broker", "SANDBOX", "--label", "demo", "--external-user-id", "XU1",
            "--api-key-id", "key-1")
        let accountID = try #require(account["id"].int)
        #expect(account["brokerCode"].string == "SANDBOX" && account["externalUserID"].string == "XU1" && account["apiKeyID"].string == "key-1")
        #expect(account["status"].string == "active" && account["hasCredentials"].bool == false)
        let shown = try await cli.run("account", "show", "\(accountID)")
        #expect(shown.status == 0 && shown.stdout.contains("status:") && shown.stdout.contains("active"), "\(shown)")
        #expect(try await cli.json("account", "disable", "\(accountID)")["status"].string == "disabled")
        #expect(try await cli.json("account", "enable", "\(accountID)")["status"].string == "active")
        let accounts = try await cli.run("account", "list", "--portfolio", "\(portfolioID)")
        #expect(accounts.stdout.contains("SANDBOX") && accounts.stdout.contains("demo") && accounts.stdout.contains("STATUS"), "\(accounts)")

        let brokers = try await cli.run("broker", "list")
        #expect(brokers.status == 0 && brokers.stdout.contains("SANDBOX") && brokers.stdout.contains("ENABLED"), "\(brokers)")
        #expect(try await cli.json("broker", "list").array.contains { $0["code"].string == "ZERODHA" })

        let gone = try await cli.json("account", "delete", "\(accountID)")
        #expect(gone["id"].int == accountID)
        let deleted = try await cli.run("account", "show", "\(accountID)")
        #expect(deleted.status == 1 && deleted.stderr == "psync: account \(accountID) does not exist\n", "\(deleted)")

        // The CLI says who runs it (`x-psync-actor: tester@…`), but the audit log names the identity the token proved.
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "user")).items
        #expect(!audit.isEmpty && audit.allSatisfy { $0.actor == "admin" && $0.scope == "admin" }, "\(audit.map(\.actor))")
        await stack.stop()
    }

    @Test("credentials are read from stdin or a file and never echoed, in output or in errors")
    func credentials() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        let cli = try CLI(stack)
        let account = try await stack.makeAccounts(broker: "SANDBOX", count: 1) { _ in ["token": "first-token"] }[0]
        let secret = "s3cr3t-sandbox-token-777"

        let set = try await cli.run("credentials", "set", "\(account.id)", stdin: #"{"token": "\#(secret)"}"#)
        #expect(set.status == 0 && set.stdout.contains("credentials sealed") && set.stdout.contains("token"), "\(set)")
        #expect(!set.stdout.contains(secret) && !set.stderr.contains(secret))
        let sealed = try await cli.json("credentials", "set", "\(account.id)", stdin: #"{"token": "\#(secret)"}"#)
        #expect(sealed["accountID"].int == account.id && sealed["fields"].array.map(\.string) == ["token"])

        let file = try TemporaryDirectory.make(prefix: "creds") + "/creds.json"
        try Data(#"{"token": "\#(secret)"}"#.utf8).write(to: URL(fileURLWithPath: file))
        let fromFile = try await cli.run("credentials", "set", "\(account.id)", "--from-file", file)
        #expect(fromFile.status == 0 && !fromFile.stdout.contains(secret), "\(fromFile)")

        for bad in [#"{"token": "\#(secret)""#, #"["\#(secret)"]"#, #"{"nested": {"x": "\#(secret)"}}"#, #"{"other": "\#(secret)"}"#] {
            let refused = try await cli.run("credentials", "set", "\(account.id)", stdin: bad)
            #expect(refused.status == 1 && refused.stderr.hasPrefix("psync: "), "\(refused)")
            #expect(!refused.stderr.contains(secret) && !refused.stdout.contains(secret), "\(refused)")
        }
        let missing = try await cli.run("credentials", "set", "\(account.id)", stdin: #"{"other": "\#(secret)"}"#)
        #expect(missing.stderr.contains("SANDBOX credentials need 'token'"), "\(missing)")

        let verified = try await cli.run("credentials", "verify", "\(account.id)")
        #expect(verified.status == 0 && verified.stdout.contains("credentials valid"), "\(verified)")
        #expect(try await cli.json("account", "show", "\(account.id)")["hasCredentials"].bool == true)

        // Without a gateway URL the CLI asks the monitor, and says what to set when it cannot.
        var undiscovered = cli
        undiscovered.environment["PSYNC_GATEWAY_SANDBOX_URL"] = nil
        let lost = try await undiscovered.run("credentials", "verify", "\(account.id)")
        #expect(
            lost.status == 1 && lost.stderr.contains("cannot reach psync-monitor") && lost.stderr.contains("PSYNC_GATEWAY_SANDBOX_URL"), "\(lost)")
        await stack.stop()
    }

    @Test("every command has --help with an example; completion scripts come from the parser")
    func help() async throws {
        let environment = ["HOME": try TemporaryDirectory.make(prefix: "psync-home")]
        for command in [
            ["user", "add"], ["account", "add"], ["credentials", "set"], ["sync"], ["schedule", "add"], ["dead", "retry"], ["kite", "login"],
        ] {
            let result = try await CommandLineTool.run("psync", command + ["--help"], environment: environment)
            #expect(result.status == 0 && result.stdout.contains("Example"), "\(command): \(result)")
        }
        let completion = try await CommandLineTool.run("psync", ["--generate-completion-script", "bash"], environment: environment)
        #expect(completion.status == 0 && completion.stdout.contains("psync"), "\(completion)")
    }
}
