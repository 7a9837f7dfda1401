import ArgumentParser
import Foundation
import TestSupport

/// `make chaos`: a SANDBOX sync under fault injection, then the scheduler's leader-kill drill.
@main
struct ChaosMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync-chaos",
        abstract:
            "Fault injection on a private local stack: kill -9 replicas, restart or stop Redis and Postgres, kill the Redis primary (Sentinel promotes its replica), a replica without the key, broker 5xx, 429 and hostile values; then count lost and duplicated work."
    )

    @Option(help: "SANDBOX accounts synced by the run.") var accounts = 5_000
    @Option(help: "SANDBOX gateway replicas.") var replicas = 3
    @Option(help: "Gateway replicas killed (and restarted) during the run.") var gatewayKills = 12
    @Option(help: "Rounds of the other faults (5xx burst, persistence kill, 429 storm, dispatcher kill, Redis and Postgres restarts).")
    var rounds = 2
    @Option(help: "Seconds between two faults.") var interval = 4.0
    @Option(help: "Accounts whose broker answers 503 to every attempt (their jobs must end dead, with a dead letter).") var deadAccounts = 5
    @Option(help: "Accounts whose broker refuses the token (their jobs must end failed).") var refusedAccounts = 5
    @Option(help: "Accounts whose broker answers with numbers no Decimal holds (their jobs must end failed, others unaffected).")
    var hostileAccounts = 2
    @Option(help: "Seconds Postgres is stopped mid-run (0: not at all).") var postgresOutage = 90
    @Option(help: "Seconds Redis is stopped mid-run (0: not at all).") var redisOutage = 30
    @Flag(inversion: .prefixedNo, help: "Start a gateway replica with a key id no box was sealed with.") var wrongKeyReplica = true
    @Flag(
        inversion: .prefixedNo,
        help: "Run Redis as a primary with a replica and three sentinels, and kill the primary once mid-run (after the Redis restarts and outage)."
    )
    var redisFailover = true
    @Option(help: "Scheduler leaders killed in the scheduler drill (0 skips the drill).") var leaderKills = 20
    @Option(help: "Fires the scheduler drill waits for, at least.") var fires = 200

    func run() async throws {
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardOutput.write(Data("[\(ISO8601DateFormatter().string(from: Date()))] \(line)\n".utf8))
        }
        var configuration = ChaosScenario.Configuration(accounts: accounts)
        configuration.gatewayReplicas = replicas
        configuration.gatewayKills = gatewayKills
        configuration.rounds = rounds
        configuration.faultInterval = .milliseconds(Int(interval * 1000))
        configuration.accountsPerBurst = max(5, accounts / 100)
        configuration.deadAccounts = deadAccounts
        configuration.refusedAccounts = refusedAccounts
        configuration.hostileAccounts = hostileAccounts
        configuration.postgresOutage = postgresOutage > 0 ? .seconds(postgresOutage) : nil
        configuration.redisOutage = redisOutage > 0 ? .seconds(redisOutage) : nil
        configuration.wrongKeyReplica = wrongKeyReplica
        configuration.redisFailover = redisFailover
        configuration.log = log
        let report = try await ChaosScenario(configuration: configuration).run()
        var passed = report.passed
        var output = ""
        if leaderKills > 0 {
            var drill = ChaosSchedulerDrill.Configuration()
            drill.leaderKills = leaderKills
            drill.fires = fires
            drill.log = log
            let scheduler = try await ChaosSchedulerDrill(configuration: drill).run()
            passed = passed && scheduler.passed
            output += "\n" + scheduler.table + "\n"
        }
        FileHandle.standardOutput.write(Data(("\n" + output + "\n" + report.table + "\n").utf8))
        if !passed { throw ExitCode(1) }
    }
}
