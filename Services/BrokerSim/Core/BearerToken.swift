import HTTPTypes
import Hummingbird

/// Reads `Authorization: Bearer <token>` (Upstox and the sandbox broker).
enum BearerToken {
    /// The token, or `nil` when the header is missing, another scheme or empty.
    static func of(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingPrefix(" ")
        return token.isEmpty ? nil : String(token)
    }
}
