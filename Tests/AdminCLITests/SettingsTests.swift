import Foundation
import TestSupport
import Testing

@Suite("psync: settings from flags, environment and the config file")
struct SettingsTests {
    @Test("flag > environment > config file; a config file holding the token must be private; --token warns; bad tokens are not echoed")
    func precedence() async throws {
        let stack = try await Stack.start()
        let persistence = try #require(stack.environment()["PSYNC_PERSISTENCE_URL"])
        let home = try TemporaryDirectory.make(prefix: "psync-config")
        let config = home + "/config"
        let unreachable = "http://127.0.0.1:9"
        func write(_ text: String, mode: Int) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: config)
        }
        func psync(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> CommandLineResult {
            try await CommandLineTool.run("psync", arguments, environment: ["HOME": home, "TZ": "UTC"].merging(environment) { _, new in new })
        }
        try write(
            """
            # written by make up
            export PSYNC_PERSISTENCE_URL=\(persistence)   # the local stack
            PSYNC_ADMIN_TOKEN="\(Stack.adminToken)"

            """, mode: 0o600)

        let fromFile = try await psync(["user", "list"], ["PSYNC_CONFIG": config])
        #expect(fromFile.status == 0 && fromFile.stdout.contains("no users"), "\(fromFile)")
        // The XDG location is found without PSYNC_CONFIG.
        try FileManager.default.createDirectory(atPath: home + "/xdg/psync", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: config, toPath: home + "/xdg/psync/config")
        let fromXDG = try await psync(["user", "list"], ["XDG_CONFIG_HOME": home + "/xdg"])
        #expect(fromXDG.status == 0, "\(fromXDG)")

        let environmentWins = try await psync(["user", "list"], ["PSYNC_CONFIG": config, "PSYNC_PERSISTENCE_URL": unreachable])
        #expect(
            environmentWins.status == 1 && environmentWins.stderr.contains("cannot reach psync-persistence at \(unreachable)"), "\(environmentWins)")
        let flagWins = try await psync(
            ["user", "list", "--persistence-url", persistence], ["PSYNC_CONFIG": config, "PSYNC_PERSISTENCE_URL": unreachable])
        #expect(flagWins.status == 0, "\(flagWins)")

        let wrongToken = "wrong-token-that-must-not-show"
        let refused = try await psync(["user", "list"], ["PSYNC_CONFIG": config, "PSYNC_ADMIN_TOKEN": wrongToken])
        #expect(refused.status == 1 && refused.stderr.contains("refused the admin token") && !refused.stderr.contains(wrongToken), "\(refused)")
        let tokenFile = home + "/token"
        try Data("\(Stack.adminToken)\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        let fileToken = try await psync(["user", "list", "--token-file", tokenFile], ["PSYNC_CONFIG": config, "PSYNC_ADMIN_TOKEN": wrongToken])
        #expect(fileToken.status == 0, "\(fileToken)")
        let argvToken = try await psync(["user", "list", "--token", Stack.adminToken], ["PSYNC_PERSISTENCE_URL": persistence])
        #expect(argvToken.status == 0 && argvToken.stderr.contains("warning: --token is visible"), "\(argvToken)")

        try write("PSYNC_PERSISTENCE_URL=\(persistence)\nPSYNC_ADMIN_TOKEN=\(Stack.adminToken)\n", mode: 0o644)
        let open = try await psync(["user", "list"], ["PSYNC_CONFIG": config])
        #expect(open.status == 1 && open.stderr.contains("readable by group or others") && open.stderr.contains("chmod 600 \(config)"), "\(open)")
        #expect(!open.stderr.contains(Stack.adminToken))
        // Without a token in it, a readable config file is fine.
        try write("PSYNC_PERSISTENCE_URL=\(persistence)\n", mode: 0o644)
        let noToken = try await psync(["user", "list"], ["PSYNC_CONFIG": config, "PSYNC_ADMIN_TOKEN": Stack.adminToken])
        #expect(noToken.status == 0, "\(noToken)")
        let absent = try await psync(["user", "list"], ["PSYNC_CONFIG": home + "/missing"])
        #expect(absent.status == 1 && absent.stderr.contains("PSYNC_CONFIG names \(home)/missing, which does not exist"), "\(absent)")
        await stack.stop()
    }
}
