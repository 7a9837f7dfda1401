import SandboxData

/// The account details a broker shows for a token (user id, name, e-mail), derived from its hash so they never change.
struct AccountIdentity: Sendable {
    private let hash: UInt64

    /// The identity behind `token`.
    init(token: String) {
        hash = SimulatedPortfolio.hash(token, "identity")
    }

    /// A number 0-9999 distinguishing accounts in names.
    var number: Int { Int(hash % 10_000) }

    /// Kite-style user id: two letters and four digits, e.g. `QK4821`.
    var userID: String {
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)
        let first = letters[Int(hash >> 20) % letters.count]
        let second = letters[Int(hash >> 28) % letters.count]
        return String(decoding: [first, second], as: UTF8.self) + padded(number, 4)
    }

    var name: String { "Simulated Trader \(number)" }
    var shortName: String { "Trader\(number)" }
    var email: String { "trader\(padded(number, 4))@example.com" }

    /// A UUID-shaped id (Alpaca's account id, say) salted with `salt`.
    func uuid(_ salt: String) -> String {
        Self.uuid(SimulatedPortfolio.hash(hash, salt), SimulatedPortfolio.hash(hash, salt, 2))
    }

    /// A UUID-shaped text from 128 bits (`8-4-4-4-12` lowercase hex digits).
    static func uuid(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                buffer[index] = hexDigits[Int(word >> UInt64(60 - 4 * (nibble % 16)) & 0xf)]
                index += 1
            }
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
