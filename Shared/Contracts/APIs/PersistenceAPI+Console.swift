public import FoundationEssentials

/// A portfolio's stored totals over a window, at most `points` per currency (spread evenly over the window).
public struct PortfolioHistoryRequest: Codable, Sendable, Equatable {
    public var id: Int
    /// Totals taken at or after this moment; `nil` for all of them.
    public var since: Date?
    /// The most points per currency (default 500, at most 2,000): with more totals stored, the last of each even slice is kept.
    public var points: Int?
    public init(id: Int, since: Date? = nil, points: Int? = nil) {
        self.id = id
        self.since = since
        self.points = points
    }
}

/// A portfolio's totals over time, oldest first, per currency.
public struct PortfolioHistory: Codable, Sendable, Equatable {
    public var portfolio: Portfolio
    /// Oldest first; at most `points` per currency.
    public var totals: [PortfolioTotal]
    /// How many totals are stored in the window (more than `totals` holds when it was thinned out).
    public var stored: Int
    public init(portfolio: Portfolio, totals: [PortfolioTotal], stored: Int) {
        self.portfolio = portfolio
        self.totals = totals
        self.stored = stored
    }
}

/// What the monitor's overview reads from the database, as counts and a few rows: never a listing.
public struct OverviewFigures: Codable, Sendable, Equatable {
    /// Jobs finished per minute over the last hour, oldest first, zero-filled.
    public var throughput: [ThroughputPoint]
    /// Accounts whose broker refused the login (`reauth_required`).
    public var reauthRequired: Int
    /// Unfinished runs (up to 10, newest first), then the most recent finished one; counts from the runs' own counters.
    public var runs: [Run]
    public init(throughput: [ThroughputPoint], reauthRequired: Int, runs: [Run]) {
        self.throughput = throughput
        self.reauthRequired = reauthRequired
        self.runs = runs
    }
}

extension PersistenceAPI {
    public static let portfolioHistory = Endpoint<PortfolioHistoryRequest, PortfolioHistory>(
        .get, "/v1/portfolios/{id}/history", scopes: .readers.and(.monitor),
        summary: "A portfolio's totals over a window, thinned to at most N points per currency"
    )
    public static let overviewFigures = Endpoint<Empty, OverviewFigures>(
        .get, "/v1/statistics/overview", scopes: .readers.and(.monitor), summary: "The monitor overview's counts: throughput, re-auth, current runs"
    )
}
