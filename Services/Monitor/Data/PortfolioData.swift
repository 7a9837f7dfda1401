import Contracts
import CurlClient
import FoundationEssentials
import RPC

/// What the portfolio views read from persistence: current holdings and positions, totals over time, snapshots to compare.
struct PortfolioData: Sendable {
    let persistence: RPCClient<CurlTransport>

    func holdings(portfolio id: Int) async throws -> PortfolioHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.portfolioHoldings, ByID(id: id)) }
    }

    func positions(portfolio id: Int) async throws -> PortfolioHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.portfolioPositions, ByID(id: id)) }
    }

    func history(portfolio id: Int, since: Date?) async throws -> PortfolioHistory {
        try await rpc { try await persistence.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: id, since: since, points: 500)) }
    }

    /// An account with its current holdings (the header of its changes page).
    func account(_ id: Int) async throws -> AccountHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.accountHoldings, ByID(id: id)) }
    }

    /// A page of a portfolio's accounts, newest first.
    func accounts(portfolio id: Int, cursor: String?, limit: Int) async throws -> Page<BrokerAccount> {
        try await rpc { try await persistence.call(PersistenceAPI.listAccounts, ListAccounts(portfolioID: id, cursor: cursor, limit: limit)) }
    }

    /// A page of an account's holdings snapshots, newest first.
    func snapshots(account id: Int, cursor: String?, limit: Int = 100) async throws -> Page<SnapshotSummary> {
        try await rpc { try await persistence.call(PersistenceAPI.accountSnapshots, ListSnapshots(id: id, cursor: cursor, limit: limit)) }
    }

    func snapshot(_ id: Int) async throws -> SnapshotHoldings {
        try await rpc { try await persistence.call(PersistenceAPI.snapshotHoldings, ByID(id: id)) }
    }
}
