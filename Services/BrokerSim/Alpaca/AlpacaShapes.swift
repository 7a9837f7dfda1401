import SandboxData

/// The awkward shapes an Alpaca account can take, chosen per key id by its words (`paper-latediv-short-acct3`), as Kite's
/// are by its access token. Words, in any order, until the first one that is not a shape:
///
/// | word | what the account shows |
/// | --- | --- |
/// | `paper` | a paper key: served under the paper host (`/alpaca-paper/v2/…`) and refused with 401 at the live one; a key without it is refused at the paper host (docs.alpaca.markets/docs/paper-trading: paper keys are separate and work only against paper-api.alpaca.markets) |
/// | `short` | every fourth position (4th, 8th …) is short: `side: short`, negative `qty`, `market_value` and `cost_basis` (alpacahq/Alpaca-API#86) |
/// | `latediv` | from simulated day 1 on, day d books a `DIV` for the first position dated day d−1, with its 25 % `DIVNRA` withholding: both appear only once day d comes, dated before what a sync on day d−1 already read |
/// | `alltypes` | each day, one non-trade activity of every type in `AlpacaShapes.nonTradeTypes`, dated that day |
///
/// What a sync run on every day 0…D must store is `GET /sim/expected?format=alpaca&token=KEY&what=holdings|transactions&day=D`.
struct AlpacaShapes: Sendable, Equatable {
    var paper = false
    var short = false
    var lateDividends = false
    var allTypes = false

    init(key: String) {
        for word in key.split(separator: "-", omittingEmptySubsequences: false) {
            switch word {
            case "paper": paper = true
            case "short": short = true
            case "latediv": lateDividends = true
            case "alltypes": allTypes = true
            default: return
            }
        }
    }

    /// Whether position `index` is short.
    func isShort(_ index: Int) -> Bool { short && index % 4 == 3 }

    /// One non-trade activity as Alpaca lists it (`date` only; numbers as decimal strings).
    struct NonTrade: Sendable, Equatable {
        var id: String
        var type: String
        /// Unix seconds of the activity's `date` (midnight UTC).
        var date: Int
        var symbol: String?
        var quantity: String?
        var perShareAmount: String?
        var netAmount: String
    }

    /// The non-trade types `alltypes` books, with the sign of their `net_amount` and whether they move shares
    /// (docs.alpaca.markets/docs/account-activities; alpaca-py `ActivityType`; `NC` stands for the types stored as other).
    static let nonTradeTypes: [(type: String, sign: String, shares: Bool)] = [
        ("DIV", "", false), ("DIVCGL", "", false), ("DIVCGS", "", false), ("DIVROC", "", false), ("DIVTXEX", "", false),
        ("DIVNRA", "-", false), ("DIVFT", "-", false), ("DIVTW", "-", false), ("INTNRA", "-", false), ("INTTW", "-", false),
        ("INT", "", false), ("FEE", "-", false), ("CFEE", "-", false), ("DIVFEE", "-", false), ("PTC", "-", false),
        ("PTR", "", false), ("CSD", "", false), ("CSW", "-", false), ("ACATC", "", false), ("ACATS", "", true),
        ("JNL", "", false), ("JNLC", "-", false), ("JNLS", "", true), ("SPLIT", "", true), ("SSP", "", true),
        ("SPIN", "", true), ("SSO", "", true), ("MA", "", true), ("NC", "", false),
    ]

    /// The non-trade activities booked on simulated `day` (posted that day), given the account's first position then.
    func nonTrades(key: String, day: Int, first: PricedPosition?) -> [NonTrade] {
        let midnight = SimulatedCalendar.midnightUTC(day: day)
        var activities: [NonTrade] = []
        func id(_ seconds: Int, _ type: String) -> String {
            SimulatedCalendar.compactTimestamp(seconds) + "::"
                + AccountIdentity.uuid(SimulatedPortfolio.hash(key, "nta", type, day), SimulatedPortfolio.hash(key, "nta2", type, day))
        }
        if lateDividends, day >= 1, let first {
            // Booked at 08:00 UTC on day d, dated the day before: $0.24 a share, 25 % withheld.
            let shares = first.quantityText
            let gross = first.quantity * Micros(value: 240_000)
            let withheld = Micros(value: -gross.value / 4)
            let posted = midnight + 8 * 3600
            let dated = SimulatedCalendar.midnightUTC(day: day - 1)
            activities.append(
                NonTrade(
                    id: id(posted, "DIV"), type: "DIV", date: dated, symbol: first.position.symbol, quantity: shares, perShareAmount: "0.24",
                    netAmount: gross.text))
            activities.append(
                NonTrade(
                    id: id(posted + 1, "DIVNRA"), type: "DIVNRA", date: dated, symbol: first.position.symbol, quantity: shares,
                    perShareAmount: "0.06", netAmount: withheld.text))
        }
        if allTypes {
            for (index, entry) in Self.nonTradeTypes.enumerated() {
                let cash = ["CSD", "CSW", "ACATC", "JNL", "JNLC", "INT", "INTNRA", "INTTW", "FEE", "CFEE", "PTC", "PTR"].contains(entry.type)
                activities.append(
                    NonTrade(
                        id: id(midnight + 22 * 3600 + index, entry.type), type: entry.type, date: midnight,
                        symbol: cash ? nil : first?.position.symbol, quantity: entry.shares ? String(index + 1) : nil, perShareAmount: nil,
                        netAmount: entry.shares ? "0" : "\(entry.sign)\(index + 1).25"))
            }
        }
        return activities
    }
}
