import Contracts
import Cryptography
public import Foundation

/// How a receiver checks a webhook, as README's example does: parse `t=…,v1=…`, recompute HMAC-SHA256 over
/// "<t>.<raw body>" with the subscription's secret (its UTF-8, `whsec_` included), compare in constant time, and refuse a
/// timestamp more than five minutes from now.
public enum WebhookSignatureCheck {
    /// Whether `header` (the `Psync-Signature` value) signs `body` with `secret`, at `now`.
    public static func verify(header: String, body: [UInt8], secret: String, now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1", let bytes = Hex.bytes(pair[1]) { signatures.append(bytes) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = HMACSHA256.authenticationCode(for: WebhookHeaders.signedText(timestamp: timestamp, body: body), key: Array(secret.utf8))
        return signatures.contains { ConstantTime.equals($0, expected) }
    }
}
