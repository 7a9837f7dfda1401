public import Contracts
public import FoundationEssentials

/// Vested has no public API (its trades clear through DriveWealth, whose API is for partners only).
/// Holdings come from statements instead: `psync import holdings --account N FILE.csv`, read by
/// `StatementImport` and stored through the same snapshot path, with any transactions the statement lists.
/// It is import-only: it lacks `.scheduledSync`, so runs skip its accounts (and count them as skipped) rather than
/// queue jobs no gateway could do.
public struct VestedAdapter: BrokerAdapter {
    public static let broker = BrokerDescription(
        code: "VESTED", name: "Vested (statement import)", baseURLs: [:], credentialFields: [], capabilities: [.statementImport])
    static let noAPI = "VESTED has no public API; import a holdings statement with `psync import holdings --account ID FILE.csv`"

    public init(environment: BrokerEnvironment) {}

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        throw BrokerError.permanent(Self.noAPI)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        throw BrokerError.permanent(Self.noAPI)
    }

    public func statement(_ text: String, asOf: Date) throws -> Statement {
        try StatementImport.statement(from: text)
    }
}
