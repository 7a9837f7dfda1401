import Contracts
import Foundation
import TestSupport
import Testing

@Suite("psync: commands that go to a broker's gateway")
struct GatewayCommandTests {
    @Test("login reads Kite's request_token from stdin; import holdings sends a CSV statement; keys rotate re-seals; no secret is echoed")
    func gatewayCommands() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        let kiteGateway = try await stack.launchGateway("ZERODHA", environment: ["PSYNC_ZERODHA_MUTUAL_FUNDS": "false"])
        let vestedGateway = try await stack.launchGateway("VESTED")
        let oldSandbox = try await stack.launchGateway("SANDBOX")
        let cli = try CLI(stack, ["PSYNC_GATEWAY_ZERODHA_URL": kiteGateway.baseURL, "PSYNC_GATEWAY_VESTED_URL": vestedGateway.baseURL])

        // Kite: an expired token, then the daily login with the request_token pasted as the redirect URL.
        let kite = try await stack.makeAccounts(broker: "ZERODHA", count: 1) { _ in
            ["api_key": "kitekey", "access_token": "expired-old", "api_secret": "secret-kitekey"]
        }[0]
        let expired = try await cli.run("sync", "--account", "\(kite.id)", "--now")
        #expect(expired.status == 1 && expired.stderr.hasPrefix("psync: ") && expired.stderr.contains("psync login \(kite.id)"), "\(expired)")
        let login = try await cli.run(
            "login", "\(kite.id)", stdin: "https://example.com/kite?action=login&request_token=abc123&status=success\n")
        #expect(login.status == 0 && login.stdout.contains("account \(kite.id): new ZERODHA access token stored"), "\(login)")
        #expect(
            login.stderr.contains("api_key=kitekey") && !login.stdout.contains("secret-kitekey") && !login.stderr.contains("secret-kitekey"),
            "\(login)")
        let synced = try await cli.run("sync", "--account", "\(kite.id)", "--now")
        #expect(synced.status == 0 && synced.stdout.contains("saved 20 holdings"), "\(synced)")
        let badToken = try await cli.run("login", "\(kite.id)", "--code", "not a token!")
        #expect(badToken.status == 1 && badToken.stderr.contains("code must be the request_token ZERODHA put in the redirect URL"), "\(badToken)")

        // Vested: a CSV statement becomes the account's snapshot; a bad one gives the gateway's line-by-line message.
        let user = try #require(try await cli.json("user", "add", "--email", "v@example.com", "--name", "V")["id"].int)
        let portfolio = try #require(try await cli.json("portfolio", "add", "--user", "\(user)", "--name", "US", "--currency", "USD")["id"].int)
        let vested = try #require(
            try await cli.json("account", "add", "--portfolio", "\(portfolio)", "--broker", "VESTED", "--label", "Vested")["id"].int)
        let directory = try TemporaryDirectory.make(prefix: "statement")
        try Data("symbol,quantity,average_price,currency\nAAPL,2.5,150.10,USD\nMSFT,1,300,USD\n".utf8).write(
            to: URL(fileURLWithPath: directory + "/good.csv"))
        try Data("symbol,quantity,average_price,currency\nAAPL,x,1,USD\n".utf8).write(to: URL(fileURLWithPath: directory + "/bad.csv"))
        let imported = try await cli.run("import", "holdings", "--account", "\(vested)", directory + "/good.csv")
        #expect(imported.status == 0 && imported.stdout.contains("saved 2 holdings and 0 transactions"), "\(imported)")
        let holdings = try await cli.json("holdings", "--account", "\(vested)")
        #expect(holdings["holdings"].array.map { $0["quantity"].string } == ["2.5", "1"], "\(holdings)")
        let bad = try await cli.run("import", "holdings", "--account", "\(vested)", directory + "/bad.csv")
        #expect(
            bad.status == 1
                && bad.stderr == "psync: the statement has 1 problem(s): line 2: quantity must be a decimal number such as 1234.50, got 'x'\n",
            "\(bad)")

        // Key rotation through a gateway that holds the new key and still opens the old boxes.
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: 3) { ["token": "rotating-\($0)"] }
        await oldSandbox.child.stop()
        let rotating = try await stack.launchGateway(
            "SANDBOX",
            environment: [
                "PSYNC_MASTER_KEY": "29004257b041cb9150b087db1c1a5171b4f0f8f4b9a55463127ffded8b43e86b", "PSYNC_MASTER_KEY_ID": "k2",
                "PSYNC_PREVIOUS_MASTER_KEYS": "k1:\(Stack.masterKey)",
            ])
        let rotated = try await cli.run("keys", "rotate", "--broker", "SANDBOX", environment: ["PSYNC_GATEWAY_SANDBOX_URL": rotating.baseURL])
        #expect(rotated.status == 0 && rotated.stdout == "SANDBOX: 3 credentials box(es) re-sealed under key k2\n", "\(rotated)")
        await stack.stop()
    }
}
