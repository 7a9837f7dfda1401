import SandboxData

/// The awkward shapes a Kite account can take, chosen per access token by its leading words
/// (`pledged-t1-mf-acct7` is a pledged, partly unsettled account with mutual funds). Words, in any order,
/// until the first one that is not a shape:
///
/// | word | what the account shows (Kite field semantics: kite.trade/docs/connect/v3/portfolio) |
/// | --- | --- |
/// | `pledged` | every third holding (2nd, 5th …) partly pledged: `collateral_quantity` = half, `quantity` the rest |
/// | `fullpledge` | the first holding wholly pledged: `quantity: 0`, `collateral_quantity` = all of it |
/// | `t1` | every fourth holding (3rd, 7th …) partly bought today: `t1_quantity` = a quarter (rounded up) of what is not pledged |
/// | `mtf` | every fifth holding (4th, 9th …) also holds an `mtf` lot of 10 + index shares at 90 % of its average price |
/// | `mf` | three mutual-fund holdings with fractional units |
/// | `mfdenied` / `mf404` | `/mf/holdings` answers 403 `PermissionException` / 404 `GeneralException` |
/// | `fno` | a commodity future (multiplier 1000) and a currency future (multiplier 1000) in positions and the day's fills |
/// | `pnlskew` | the second holding's `pnl` is reported 100 higher than (last − average) × held |
/// | `day<N>` | a login made on simulated day N: Kite ends it at 06:00 IST the next day, so from day N+1 it is refused |
///
/// `quantity + t1_quantity + collateral_quantity` is always the simulated position's quantity, so what a sync
/// must store is brokersim's `GET /sim/expected?format=kite&token=…`.
struct KiteShapes: Sendable, Equatable {
    var pledged = false
    var fullyPledged = false
    var unsettled = false
    var marginFunded = false
    var mutualFunds = false
    var mutualFundsRefusal: MutualFundsRefusal?
    var derivatives = false
    var pnlSkew = false
    /// The simulated day the login was made on (`day<N>`), when the token says.
    var loginDay: Int?

    enum MutualFundsRefusal: Sendable, Equatable {
        case permission, notFound
    }

    init(token: String) {
        for word in token.split(separator: "-", omittingEmptySubsequences: false) {
            switch word {
            case "pledged": pledged = true
            case "fullpledge": fullyPledged = true
            case "t1": unsettled = true
            case "mtf": marginFunded = true
            case "mf": mutualFunds = true
            case "mfdenied": mutualFundsRefusal = .permission
            case "mf404": mutualFundsRefusal = .notFound
            case "fno": derivatives = true
            case "pnlskew": pnlSkew = true
            default:
                guard word.hasPrefix("day"), let day = Int(word.dropFirst(3)), day >= 0 else { return }
                loginDay = day
            }
        }
    }

    /// How holding `index` of `quantity` whole shares is split: free (`quantity`), unsettled (`t1_quantity`), pledged (`collateral_quantity`).
    func split(_ index: Int, quantity: Int) -> (free: Int, unsettled: Int, pledged: Int) {
        if fullyPledged && index == 0 { return (0, 0, quantity) }
        var pledgedShares = 0
        if pledged && index % 3 == 1 { pledgedShares = max(1, quantity / 2) }
        var unsettledShares = 0
        if unsettled && index % 4 == 2 { unsettledShares = (quantity - pledgedShares + 3) / 4 }
        return (quantity - pledgedShares - unsettledShares, unsettledShares, pledgedShares)
    }

    /// The MTF lot of holding `index`: its quantity and average price (90 % of the holding's, in paise), if it has one.
    func marginLot(_ index: Int, averagePrice: Micros) -> (quantity: Int, averagePrice: Micros)? {
        guard marginFunded && index % 5 == 3 else { return nil }
        let paise = averagePrice.value * 90 / 100 / 10_000
        return (10 + index, Micros(value: paise * 10_000))
    }

    /// What the broker adds to holding `index`'s reported P&L.
    func pnlSkew(_ index: Int) -> Micros {
        pnlSkew && index == 1 ? Micros(value: 100 * Micros.scale) : .zero
    }

    /// Whether a login made on `loginDay` has ended by simulated `day` (06:00 IST of the day after).
    func loginExpired(on day: Int) -> Bool {
        loginDay.map { day > $0 } ?? false
    }

    /// The mutual funds the account holds (`mf`): ISIN, name, units, average and last NAV, as exact text.
    static func funds(token: String) -> [(isin: String, name: String, quantity: String, averagePrice: String, lastPrice: String)] {
        let names = ["INVESCO INDIA TAX PLAN - DIRECT PLAN", "LIQUID FUND - DIRECT PLAN", "TAX ADVANTAGE FUND - DIRECT PLAN"]
        return names.enumerated().map { index, name in
            let hash = SimulatedPortfolio.hash(token, "fund", index)
            let units = Micros(value: Int128(1 + hash % 900_000) * 1_000)  // thousandths of a unit
            let average = Micros(value: Int128(10_00 + hash % 200_000) * 10_000)
            let last = Micros(value: Int128(10_00 + (hash >> 20) % 200_000) * 10_000)
            return ("INF\(100 + index)K01NT\(index)", name, units.text, average.text, last.text)
        }
    }

    /// The contracts `fno` adds: symbol, exchange, lots, price, multiplier (positions.json's LEADMINI and trades.json's USDINR shapes).
    static let contracts: [(symbol: String, exchange: String, quantity: Int, price: String, multiplier: Int)] = [
        ("LEADMINI26JANFUT", "MCX", 2, "161.05", 1000),
        ("USDINR26JANFUT", "CDS", -3, "72.755", 1000),
    ]
}
