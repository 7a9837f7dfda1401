import TestSupport
import Testing

@Suite("Chaos: a sync survives kill -9, server restarts and broker faults")
struct ChaosTests {
    @Test(
        "300 accounts; gateway, persistence and dispatcher killed, Redis and Postgres restarted and stopped, a replica without the key, 5xx, 429 and a hostile broker: nothing lost or done twice, nothing charged to an account for our faults"
    )
    func smallRun() async throws {
        var configuration = ChaosScenario.Configuration(accounts: 300)
        configuration.accountsPerPortfolio = 25
        configuration.gatewayKills = 3
        configuration.rounds = 1
        configuration.faultInterval = .seconds(2)
        configuration.runMargin = .seconds(25)  // make test runs everything at once: injecting may take twice as long
        configuration.accountsPerBurst = 10
        configuration.deadAccounts = 1
        configuration.environment = ["PSYNC_RETRY_MAX": "1s"]  // the dead account's 10 attempts end sooner
        configuration.refusedAccounts = 2
        configuration.hostileAccounts = 1
        // make chaos stops Postgres for 90 s and Redis for 30 s; here shorter outages keep make test quick.
        configuration.postgresOutage = .seconds(8)
        configuration.redisOutage = .seconds(5)
        configuration.wrongKeyReplica = true
        let report = try await ChaosScenario(configuration: configuration).run()
        #expect(report.faults.count == configuration.plan.count, "\(report.table)")
        #expect(report.checks.allSatisfy { $0.passed }, "\(report.table)")
        #expect(report.lost == 0, "\(report.table)")
        #expect(report.duplicated == 0, "\(report.table)")
    }
}
