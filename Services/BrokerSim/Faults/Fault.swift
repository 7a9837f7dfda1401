/// One injected misbehaviour, as `POST /sim/faults` names it.
enum Fault: Sendable, Equatable {
    /// HTTP 502 with nginx's HTML "502 Bad Gateway" page.
    case badGatewayHTML
    /// The broker's own 503 envelope.
    case unavailable
    /// The broker's rate-limit response (with `Retry-After: 1` where the broker sends one; Kite sends none).
    case rateLimited
    /// The broker's rate-limit response without any `Retry-After`.
    case rateLimitedBare
    /// The broker's authentication error (Kite 403 TokenException, Alpaca and Upstox 401, …).
    case auth
    /// HTTP 200 with an HTML body.
    case okHTML
    /// HTTP 200 with valid JSON of the wrong shape.
    case wrongShape
    /// A `Content-Length` larger than the body sent, then the connection closes.
    case truncated
    /// A delay of this many milliseconds, then the normal answer.
    case slow(milliseconds: Int)
    /// The broker's rate-limit response with this `Retry-After` text (absurd, negative, an HTTP date …).
    case retryAfter(String)
    /// HTTP 200 in the route's own shape, carrying a value no broker should send.
    case hostile(HostileValue)
    /// HTTP 200 whose `data` is nested 100,000 arrays deep.
    case deepJSON
    /// HTTP 200 with a 300 MB body in the route's shape, generated as it is sent.
    case hugeBody
    /// HTTP 200 whose body arrives one byte every 250 ms, for up to 10 minutes.
    case drip
    /// Kite's login answers with an access token holding CR/LF (other brokers: the normal answer).
    case crlfToken

    /// Parses `502-html`, `503`, `429`, `429-no-retry-after`, `auth`, `200-html`, `200-wrong-shape`, `truncated`, `slow:<ms>`,
    /// `retry-after:<text>`, a `HostileValue` name, `deep-json`, `300mb-body`, `drip` or `crlf-token`.
    init?(_ name: String) {
        switch name {
        case "502-html": self = .badGatewayHTML
        case "503": self = .unavailable
        case "429": self = .rateLimited
        case "429-no-retry-after": self = .rateLimitedBare
        case "auth": self = .auth
        case "200-html": self = .okHTML
        case "200-wrong-shape": self = .wrongShape
        case "truncated": self = .truncated
        case "deep-json": self = .deepJSON
        case "300mb-body": self = .hugeBody
        case "drip": self = .drip
        case "crlf-token": self = .crlfToken
        default:
            if let value = HostileValue(rawValue: name) {
                self = .hostile(value)
            } else if name.hasPrefix("retry-after:") {
                let text = name.dropFirst("retry-after:".count)
                // Any header-safe text: printable ASCII, 1-100 characters.
                guard (1...100).contains(text.utf8.count), text.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else { return nil }
                self = .retryAfter(String(text))
            } else if name.hasPrefix("slow:"), let milliseconds = Int(name.dropFirst(5)), (0...600_000).contains(milliseconds) {
                self = .slow(milliseconds: milliseconds)
            } else {
                return nil
            }
        }
    }

    /// The names `init?(_:)` accepts, for error messages.
    static let names =
        "502-html, 503, 429, 429-no-retry-after, auth, 200-html, 200-wrong-shape, truncated, slow:<ms>, retry-after:<text>, "
        + HostileValue.allCases.map(\.rawValue).joined(separator: ", ") + ", deep-json, 300mb-body, drip or crlf-token"
}

/// What a `hostile` fault puts in the route's numbers or times.
enum HostileValue: String, Sendable, CaseIterable {
    /// Quantity -99…9 and prices 99…9 (38 digits: the most a `Decimal` holds).
    case hugeNumbers = "huge-numbers"
    /// Quantity and prices of 10^-70, whose product is below what a `Decimal` holds.
    case tinyNumbers = "tiny-numbers"
    /// Quantity `1e400`.
    case exponent400 = "1e400"
    /// An average price with 5,000 digits.
    case longDecimal = "5000-digits"
    /// Times in year 0000 (Upstox's holdings carry none: the normal answer there).
    case yearZero = "year-0"
}
