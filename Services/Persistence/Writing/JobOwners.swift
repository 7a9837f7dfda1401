import Contracts
import PostgresClient

/// Who a job belongs to, read from the job rows persistence owns, never from the result that names the job.
///
/// Anyone who can write to the results stream could put any account, portfolio or run in a result; what a result
/// may change is decided by its job's row. A result whose job does not exist, or that disagrees with the row on the
/// account, portfolio, run, broker or action, is refused (and dead-lettered with the reason); an accepted one is
/// stored with the row's values.
struct JobOwners: Sendable {
    struct Owner: Sendable, Equatable {
        let accountID: Int
        let portfolioID: Int
        let runID: Int?
        let broker: String
        let action: JobAction
    }

    struct Mismatch: Error, Equatable {
        let message: String
    }

    let owners: [Int: Owner]

    /// The owners of `jobIDs` (one query; an empty list costs nothing).
    static func load(_ jobIDs: [Int], from pool: PostgresPool) async throws -> JobOwners {
        guard !jobIDs.isEmpty else { return JobOwners(owners: [:]) }
        let rows = try await pool.query(
            "SELECT id, account_id, portfolio_id, run_id, broker_code, action FROM jobs WHERE id = ANY(\(Array(Set(jobIDs))))")
        var owners: [Int: Owner] = [:]
        for row in rows {
            let raw: String = try row.decode(named: "action")
            guard let action = JobAction(rawValue: raw) else { continue }
            owners[try row.decode(named: "id")] = Owner(
                accountID: try row.decode(named: "account_id"), portfolioID: try row.decode(named: "portfolio_id"),
                runID: try row.decode(Int?.self, named: "run_id"), broker: try row.decode(named: "broker_code"), action: action)
        }
        return JobOwners(owners: owners)
    }

    /// `result` with its owner's values, or why it does not belong to the job it names.
    func bind(_ result: JobResult) -> Result<JobResult, Mismatch> {
        guard let owner = owners[result.jobID] else { return .failure(Mismatch(message: "job \(result.jobID) does not exist")) }
        var differences: [String] = []
        if result.accountID != owner.accountID { differences.append("account \(result.accountID), the job's is \(owner.accountID)") }
        if result.portfolioID != owner.portfolioID { differences.append("portfolio \(result.portfolioID), the job's is \(owner.portfolioID)") }
        if result.runID != owner.runID {
            differences.append("run \(result.runID.map(String.init) ?? "none"), the job's is \(owner.runID.map(String.init) ?? "none")")
        }
        if result.brokerCode != owner.broker { differences.append("broker \(result.brokerCode), the job's is \(owner.broker)") }
        if result.action != owner.action { differences.append("action \(result.action.rawValue), the job's is \(owner.action.rawValue)") }
        guard differences.isEmpty else {
            return .failure(Mismatch(message: "the result for job \(result.jobID) names \(differences.joined(separator: "; "))"))
        }
        var bound = result
        bound.accountID = owner.accountID
        bound.portfolioID = owner.portfolioID
        bound.runID = owner.runID
        return .success(bound)
    }
}
