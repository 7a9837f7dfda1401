import SandboxData

/// The awkward shapes an Upstox account can take, chosen per access token by its leading words, in any order, until
/// the first word that is not a shape (`t1-pledged-fno-acct3`):
///
/// | word | what the account shows (Upstox field semantics: upstox.com/developer/api-documentation/get-holdings …) |
/// | --- | --- |
/// | `t1` | every fourth holding (3rd, 7th …) partly bought today: `t1_quantity` = a quarter (rounded up) |
/// | `pledged` | every third holding (2nd, 5th …) half marked as collateral: `collateral_quantity` = half of the rest |
/// | `fullpledge` | the first holding wholly collateral: `collateral_quantity` = `quantity` |
/// | `fno` | a commodity future (2 lots, multiplier 100) and a currency future (3 lots short, multiplier 1000, `average_price: null`) in positions |
/// | `history` | about 330 historical trades over 240 days, several pages of `/v2/charges/historical-trades` (without it: about 8) |
/// | `tight` | Upstox's per-user windows shrunk to 2/s, 3/min and 4 per 30 min, so that its 429 `UDAPI10005` is easy to reach |
/// | `day<N>` | a login made on simulated day N: Upstox ends it at 03:30 IST the next day, so from day N+1 it is refused (401 `UDAPI100050`) |
///
/// `quantity` is always the whole holding (Upstox: "The total holding qty"), T+1 and collateral included, so what a
/// sync must store is brokersim's `GET /sim/expected?format=upstox&token=…`.
struct UpstoxShapes: Sendable, Equatable {
    var unsettled = false
    var pledged = false
    var fullyPledged = false
    var derivatives = false
    var longHistory = false
    var tight = false
    var loginDay: Int?

    init(token: String) {
        for word in token.split(separator: "-", omittingEmptySubsequences: false) {
            switch word {
            case "t1": unsettled = true
            case "pledged": pledged = true
            case "fullpledge": fullyPledged = true
            case "fno": derivatives = true
            case "history": longHistory = true
            case "tight": tight = true
            default:
                guard word.hasPrefix("day"), let day = Int(word.dropFirst(3)), day >= 0 else { return }
                loginDay = day
            }
        }
    }

    /// How holding `index` of `quantity` whole shares is split: unsettled (`t1_quantity`) and pledged (`collateral_quantity`).
    func split(_ index: Int, quantity: Int) -> (unsettled: Int, pledged: Int) {
        if fullyPledged && index == 0 { return (0, quantity) }
        let unsettled = self.unsettled && index % 4 == 2 ? (quantity + 3) / 4 : 0
        let pledged = self.pledged && index % 3 == 1 ? (quantity - unsettled) / 2 : 0
        return (unsettled, pledged)
    }

    /// Whether a login made on `loginDay` has ended by simulated `day` (03:30 IST of the day after).
    func loginExpired(on day: Int) -> Bool {
        loginDay.map { day > $0 } ?? false
    }

    /// The per-user windows brokersim enforces: Upstox's documented 50/s, 500/min and 2,000 per 30 min
    /// (upstox.com/developer/api-documentation/rate-limiting), or `tight`'s small ones.
    var windows: [(limit: Int, seconds: Int)] {
        tight ? [(2, 1), (3, 60), (4, 1800)] : [(50, 1), (500, 60), (2000, 1800)]
    }

    /// The contracts `fno` adds: symbol, exchange, instrument key, lots, price, multiplier, whether `average_price` is null.
    static let contracts: [(symbol: String, exchange: String, key: String, lots: Int, price: String, multiplier: Int, nullAverage: Bool)] = [
        ("GOLDM26FEBFUT", "MCX", "MCX_FO|440939", 2, "7650.5", 100, false),
        ("USDINR26JANFUT", "NCD_FO", "NCD_FO|1175", -3, "85.1275", 1000, true),
    ]

    /// The user a token belongs to: the one a brokersim login wrote into it (`day0-upstox-uAB1234-…`), else the token's identity.
    static func user(of token: String) -> String {
        let words = token.split(separator: "-")
        if let index = words.firstIndex(of: "upstox"), index + 1 < words.count, words[index + 1].hasPrefix("u") {
            return String(words[index + 1].dropFirst())
        }
        return AccountIdentity(token: token).userID
    }
}
