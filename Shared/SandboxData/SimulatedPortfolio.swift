public import FoundationEssentials

/// The deterministic portfolio psync-brokersim serves for an access token on a given day.
///
/// The same token and day always give the same holdings, in the same order, so tests and the
/// chaos check can compute what a sync must have stored. Changing the day sells some positions and
/// buys others (about a fifth of them), and moves prices.
///
/// ```swift
/// let holdings = SimulatedPortfolio(token: "kite-token-1", day: 0, count: 20).holdings
/// ```
public struct SimulatedPortfolio: Sendable {
    /// One position, with exact decimals; `kind` tells which broker format shows it how.
    public struct Position: Sendable, Equatable {
        public var symbol: String
        public var exchange: String
        public var isin: String
        public var quantity: Decimal
        public var averagePrice: Decimal
        public var lastPrice: Decimal
        public var closePrice: Decimal
        public var instrumentToken: Int
        /// `INR` for Indian exchanges, `USD` for US ones.
        public var currency: String
    }

    /// One executed trade of the day.
    public struct Trade: Sendable, Equatable {
        public var tradeID: String
        public var orderID: String
        public var symbol: String
        public var exchange: String
        public var isin: String
        public var side: String
        public var quantity: Decimal
        public var price: Decimal
        public var currency: String
        /// Seconds after 09:15 exchange time on the day.
        public var secondsIntoSession: Int
    }

    public let token: String
    public let day: Int
    public let count: Int
    /// Indian (NSE/BSE, INR) or US (NASDAQ/NYSE, USD) instruments.
    public let market: Market

    /// Which instruments a broker trades.
    public enum Market: String, Sendable {
        case india, us
    }

    public init(token: String, day: Int, count: Int, market: Market = .india) {
        self.token = token
        self.day = day
        self.count = max(0, count)
        self.market = market
    }

    /// The positions held on `day`: `count` of them, drawn from a universe of `count × 5 / 4` instruments.
    public var holdings: [Position] {
        let universe = count + count / 4 + 1
        var positions: [Position] = []
        positions.reserveCapacity(count)
        var index = 0
        while positions.count < count, index < universe * 2 {
            defer { index += 1 }
            let slot = index % universe
            // Each instrument sits out one day in five (sold that day, bought back the next).
            if Self.hash(token, "out", slot) % 5 == UInt64(day % 5), positions.count + (universe - index) > count { continue }
            if positions.contains(where: { $0.instrumentToken == Self.instrumentToken(slot) }) { continue }
            positions.append(position(slot))
        }
        return positions
    }

    /// The trades of `day`: two per five holdings, deterministic.
    public var trades: [Trade] {
        let held = holdings
        return held.enumerated().compactMap { offset, position -> Trade? in
            let hash = Self.hash(token, "trade", day, offset)
            guard hash % 5 < 2 else { return nil }
            return Trade(
                tradeID: String(10_000_000 + Int(hash % 89_999_999)),
                orderID: String(200_000_000_000 + Int(hash % 99_999_999)),
                symbol: position.symbol,
                exchange: position.exchange,
                isin: position.isin,
                side: hash % 2 == 0 ? "BUY" : "SELL",
                quantity: Decimal(1 + Int(hash % 20)),
                price: position.lastPrice,
                currency: position.currency,
                secondsIntoSession: Int(hash % 22_500)
            )
        }
    }

    private func position(_ slot: Int) -> Position {
        let seed = Self.hash(token, "position", slot)
        let names = market == .india ? Self.indianNames : Self.usNames
        let name = names[slot % names.count]
        let symbol = slot < names.count ? name : "\(name)\(slot / names.count)"
        let exchanges = market == .india ? ["NSE", "BSE"] : ["NASDAQ", "NYSE"]
        // Prices in paise/cents so every decimal has at most two places.
        let averageCents = 1_000 + Int(seed % 400_000)
        let drift = Int(Self.hash(token, "price", slot, day) % 4_001) - 2_000
        let lastCents = max(100, averageCents + averageCents * drift / 20_000)
        let closeCents = max(100, lastCents - Int(seed % 500) + 250)
        let quantity = market == .india ? Decimal(1 + Int(seed % 500)) : Self.hundredths((1 + Int(seed % 2_000)) * 25)
        return Position(
            symbol: symbol,
            exchange: exchanges[Int(seed >> 8) % 2],
            isin: (market == .india ? "INE" : "US") + digits(Int(seed % 100_000), width: 5) + (market == .india ? "A01" : "00") + String(slot % 10),
            quantity: quantity,
            averagePrice: Self.hundredths(averageCents),
            lastPrice: Self.hundredths(lastCents),
            closePrice: Self.hundredths(closeCents),
            instrumentToken: Self.instrumentToken(slot),
            currency: market == .india ? "INR" : "USD"
        )
    }

    private func digits(_ value: Int, width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func instrumentToken(_ slot: Int) -> Int { 100_000 + slot * 7 }

    /// `value / 100`, built from its digits: Decimal division is ~20× slower, and brokersim computes
    /// thousands of portfolios a second.
    private static func hundredths(_ value: Int) -> Decimal {
        Decimal(sign: value < 0 ? .minus : .plus, exponent: -2, significand: Decimal(value.magnitude))
    }

    /// FNV-1a over the parts: stable across processes and platforms.
    public static func hash(_ parts: any CustomStringConvertible...) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.description.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    static let indianNames = [
        "RELIANCE", "TCS", "HDFCBANK", "INFY", "ICICIBANK", "HINDUNILVR", "SBIN", "BHARTIARTL", "ITC", "KOTAKBANK", "LT", "AXISBANK",
        "ASIANPAINT", "MARUTI", "SUNPHARMA", "TITAN", "BAJFINANCE", "WIPRO", "ULTRACEMCO", "NESTLEIND", "ONGC", "NTPC", "POWERGRID", "TATASTEEL",
    ]
    static let usNames = [
        "AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA", "BRK.B", "JPM", "V", "JNJ", "WMT", "PG", "MA", "UNH", "HD", "XOM", "KO",
    ]
}
