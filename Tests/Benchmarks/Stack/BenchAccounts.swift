import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport

extension Stack {
    /// `count` active accounts of `broker` inserted into the database, then given sealed credentials
    /// through the gateway's `putCredentials` RPC, `parallel` calls at a time (the same path `psync
    /// credentials set` takes). Returns the account ids and how long sealing took.
    func seedAccountsWithCredentials(
        broker: String,
        count: Int,
        parallel: Int = 32,
        credentials: @escaping @Sendable (Int) -> [String: String]
    ) async throws -> (ids: [Int], sealing: Duration) {
        let before: Int = try await database.query("SELECT coalesce(max(id), 0)::bigint FROM broker_accounts").scalar()
        try await seedAccounts(broker: broker, count: count, perPortfolio: 100)
        let ids = try await database.query("SELECT id FROM broker_accounts WHERE id > \(before) ORDER BY id").map { try $0.decode(Int.self, at: 0) }
        let gateway = try gateway(broker)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let id = ids[next]
                next += 1
                group.addTask { _ = try await gateway.call(GatewayAPI.putCredentials, PutCredentials(id: id, credentials: credentials(id))) }
            }
            while next < min(parallel, ids.count) { add() }
            while try await group.next() != nil {
                if next < ids.count { add() }
            }
        }
        return (ids, clock.now - start)
    }

    /// Polls the run's row until it is finished (every `interval`); returns when that was seen.
    func waitForFinishedRun(_ id: Int, timeout: Duration, interval: Duration = .milliseconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status: String = try await database.query("SELECT status FROM runs WHERE id = \(id)").scalar()
            if status == "finished" { return }
            try await Task.sleep(for: interval)
        }
        throw HarnessError("run \(id) did not finish within \(timeout)")
    }
}
