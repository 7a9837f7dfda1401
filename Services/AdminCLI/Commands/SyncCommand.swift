import ArgumentParser
import Contracts
import Foundation
import Scheduling

/// `psync sync`: start a run (and follow it with `--wait`), or sync one account synchronously with `--now`.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync accounts now: start a run, optionally wait for it; or sync one account in the request with --now.",
        discussion: """
            With --wait a terminal shows a live progress bar (jobs done of total, per state, ETA) and anything else gets a \
            plain line at most once a second; then a summary. Exit status: 0 when every job succeeded, 2 when any failed or \
            died, 3 when --timeout passed first, 1 on errors.

            Examples:
              psync sync --all --wait
              psync sync --portfolio 7 --action holdings,transactions
              psync sync --account 31 --now
            """
    )

    @OptionGroup var scope: ScopeOptions
    @Option(help: "What to fetch: holdings, transactions, positions (comma-separated).") var action = ActionList(argument: "holdings")!
    @Flag(help: "Follow the run until it finishes.") var wait = false
    @Flag(help: "Sync one account (--account) synchronously through its gateway and print what was saved.") var now = false
    @Option(help: "With --wait: stop waiting after this long (e.g. 10m).") var timeout: String?
    @Option(help: "Report the run as stuck if unfinished this long after it starts (e.g. 30m).") var deadline: String?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let target = try scope.scope()
        let timeoutSeconds = try timeout.map { try Self.duration($0, "--timeout") }
        let deadlineSeconds = try deadline.map { try Self.duration($0, "--deadline") }
        if now {
            guard target.kind == .account, let account = target.id else { throw CLIError("--now syncs one account: give --account A") }
            try await syncNow(account)
            return
        }
        let summary = try await AdminSession.run(connection) { session -> RunProgress? in
            let started = try await session.dispatcher.call(
                DispatcherAPI.startRun, StartRun(scope: target, actions: action.actions, deadlineSeconds: deadlineSeconds))
            guard wait else {
                try Console.emit(started, Self.started)
                return nil
            }
            if !Console.json { Console.write(Self.started(started) + "\n") }
            return try await RunFollower(dispatcher: session.dispatcher, timeoutSeconds: timeoutSeconds).follow(started)
        }
        guard let summary else { return }
        if summary.detail.run.status != .finished { throw ExitCode(3) }
        if summary.detail.run.counts.failed + summary.detail.run.counts.dead > 0 { throw ExitCode(2) }
    }

    private func syncNow(_ account: Int) async throws {
        try await AdminSession.run(connection) { session in
            let brokerAccount = try await session.persistence.call(PersistenceAPI.getAccount, ByID(id: account))
            let gateway = try await session.gateway(brokerAccount.brokerCode)
            let result = try await gateway.call(GatewayAPI.syncNow, SyncNow(id: account, actions: action.actions))
            try Console.emit(result, Self.saved)
        }
    }

    static func duration(_ text: String, _ flag: String) throws -> Int {
        guard let seconds = DurationText.seconds(text) else { throw CLIError("\(flag) must be a duration such as 30s, 15m or 1h, got '\(text)'") }
        return seconds
    }

    static func started(_ detail: RunDetail) -> String {
        let brokers = detail.brokers.map { "\($0.brokerCode) \($0.total)" }.joined(separator: ", ")
        var text = "run \(detail.run.id) started: \(detail.total) job\(detail.total == 1 ? "" : "s")"
        if !brokers.isEmpty { text += " (\(brokers))" }
        let counts = detail.run.counts
        let skipped = counts.skippedUsers + counts.skippedPortfolios + counts.skippedAccounts + counts.skippedReauth
        if skipped > 0 {
            text +=
                "; skipped: \(counts.skippedUsers) inactive users, \(counts.skippedPortfolios) inactive portfolios, "
                + "\(counts.skippedAccounts) disabled accounts, \(counts.skippedReauth) needing a new login"
        }
        return text + "\nfollow it with: psync runs show \(detail.run.id)"
    }

    static func saved(_ result: SyncNowResult) -> String {
        var lines = ["account \(result.accountID): saved \(result.holdings) holdings and \(result.transactions) transactions"]
        if let snapshot = result.snapshot {
            lines.append("snapshot \(snapshot.id) as of \(Format.time(snapshot.asOf)), \(snapshot.rowCount) rows")
        }
        return lines.joined(separator: "\n")
    }
}
