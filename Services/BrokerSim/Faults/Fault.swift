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

    /// Parses `502-html`, `503`, `429`, `429-no-retry-after`, `auth`, `200-html`, `200-wrong-shape`, `truncated` or `slow:<ms>`.
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
        default:
            guard name.hasPrefix("slow:"), let milliseconds = Int(name.dropFirst(5)), (0...600_000).contains(milliseconds) else { return nil }
            self = .slow(milliseconds: milliseconds)
        }
    }

    /// The names `init?(_:)` accepts, for error messages.
    static let names = "502-html, 503, 429, 429-no-retry-after, auth, 200-html, 200-wrong-shape, truncated or slow:<ms>"
}
