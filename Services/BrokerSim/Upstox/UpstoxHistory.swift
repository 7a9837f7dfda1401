import CivilTime
import SandboxData

/// An Upstox account's trade history (`/v2/charges/historical-trades`): trades on the simulated days before today,
/// fixed per token and day, so a later day only adds trades. Today's trades are `SimulatedPortfolio`'s and come from
/// `/v2/order/trades/get-trades-for-day`.
enum UpstoxHistory {
    struct Trade: Sendable, Equatable {
        var tradeID: String
        /// The simulated day it was made on (negative: before 2026-01-01).
        var day: Int
        var symbol: String
        var exchange: String
        var isin: String
        var side: String
        var quantity: Int
        var price: Micros
        /// quantity × price, Upstox's `amount`.
        var amount: Micros { Micros(value: price.value * Int128(quantity)) }
    }

    /// How far back the history goes: 240 days stays inside Upstox's three financial years.
    static let days = 240

    /// Trades before simulated `day` on the account's instruments, oldest first: with `history` one or two a day,
    /// otherwise one every 30 days or so.
    static func trades(token: String, day: Int, holdings: [PricedPosition]) -> [Trade] {
        guard !holdings.isEmpty else { return [] }
        let dense = UpstoxShapes(token: token).longHistory
        var trades: [Trade] = []
        for tradeDay in (day - days)..<day {
            let hash = SimulatedPortfolio.hash(token, "upstox-history", tradeDay)
            let count = dense ? (hash % 3 == 0 ? 2 : 1) : (hash % 30 == 0 ? 1 : 0)
            for number in 0..<count {
                let pick = SimulatedPortfolio.hash(hash, number)
                let priced = holdings[Int(pick % UInt64(holdings.count))]
                let average = priced.averagePrice.value
                let paise = average / 10_000 * Int128(90 + pick % 21) / 100
                trades.append(
                    Trade(
                        tradeID: String(60_000_000 + (tradeDay + 100_000) * 10 + number), day: tradeDay, symbol: priced.position.symbol,
                        exchange: priced.position.exchange, isin: priced.position.isin, side: pick % 4 == 0 ? "SELL" : "BUY",
                        quantity: 1 + Int((pick >> 8) % 40), price: Micros(value: max(1, paise) * 10_000)))
            }
        }
        return trades
    }

    /// The simulated day of a `YYYY-mm-dd` date, or `nil` when it is not one.
    static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let date = Int(parts[2]),
            (1900...2200).contains(year), let civil = CivilDate(year: year, month: month, day: date)
        else { return nil }
        return civil.daysSinceEpoch - SimulatedCalendar.epochDayOfDayZero
    }
}
