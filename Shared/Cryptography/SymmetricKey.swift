/// A 256-bit key. Its description never shows the key.
public struct SymmetricKey: Sendable, CustomStringConvertible {
    /// Size of an AES-256 key in bytes.
    public static let byteCount = 32

    let bytes: [UInt8]

    /// Wraps 32 bytes of key material.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidKey, "a key must be \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A new random key from OpenSSL's CSPRNG.
    public static func random() throws -> SymmetricKey {
        try SymmetricKey(bytes: SecureRandom.bytes(count: byteCount))
    }

    /// Parses 64 hex digits (the form keys take in environment variables and key files).
    public init(hex: String) throws {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") })
        guard digits.count == Self.byteCount * 2 else {
            throw CryptoError(.invalidKey, "a key must be \(Self.byteCount * 2) hex digits, got \(digits.count)")
        }
        guard let bytes = Hex.bytes(String(decoding: digits, as: UTF8.self)) else {
            throw CryptoError(.invalidKey, "a key must be hex digits only")
        }
        try self.init(bytes: bytes)
    }

    public var description: String { "SymmetricKey(<redacted>)" }
}

/// Comparison that takes the same time wherever the inputs differ (tokens, tags, digests).
public enum ConstantTime {
    /// True when both byte strings are equal; the time depends only on their lengths.
    public static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && lhs.count == rhs.count
    }

    /// True when both strings' UTF-8 bytes are equal, in constant time.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
