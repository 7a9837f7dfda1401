import FoundationEssentials

/// AES-256-GCM ciphertext with everything needed to open it again, except the key.
///
/// Layout (version 1): `01 | key-id length (1 byte) | key id (UTF-8) | nonce (12) | tag (16) | ciphertext`.
/// The version and key id are authenticated along with the caller's associated data, so neither
/// can be changed without the box failing to open.
public struct SealedBox: Sendable, Equatable {
    /// The only format version so far.
    public static let currentVersion: UInt8 = 1

    /// Format version.
    public var version: UInt8
    /// Which key sealed it.
    public var keyID: String
    /// The 96-bit nonce.
    public var nonce: [UInt8]
    /// The 128-bit authentication tag.
    public var tag: [UInt8]
    /// The encrypted bytes.
    public var ciphertext: [UInt8]

    init(version: UInt8 = currentVersion, keyID: String, nonce: [UInt8], tag: [UInt8], ciphertext: [UInt8]) {
        self.version = version
        self.keyID = keyID
        self.nonce = nonce
        self.tag = tag
        self.ciphertext = ciphertext
    }

    /// Parses the serialized form; throws `malformedBox` or `unsupportedVersion` when it cannot be a box.
    public init(bytes: [UInt8]) throws {
        guard let version = bytes.first else { throw CryptoError(.malformedBox, "the sealed box is empty") }
        guard version == Self.currentVersion else {
            throw CryptoError(.unsupportedVersion, "sealed box version \(version) is not supported (expected \(Self.currentVersion))")
        }
        guard bytes.count >= 2 else { throw CryptoError(.malformedBox, "the sealed box is truncated") }
        let keyIDLength = Int(bytes[1])
        let headerLength = 2 + keyIDLength
        guard keyIDLength > 0, bytes.count >= headerLength + AESGCM.nonceByteCount + AESGCM.tagByteCount else {
            throw CryptoError(.malformedBox, "the sealed box is truncated")
        }
        let nonceEnd = headerLength + AESGCM.nonceByteCount
        let tagEnd = nonceEnd + AESGCM.tagByteCount
        self.init(
            version: version,
            keyID: String(decoding: bytes[2..<headerLength], as: UTF8.self),
            nonce: Array(bytes[headerLength..<nonceEnd]),
            tag: Array(bytes[nonceEnd..<tagEnd]),
            ciphertext: Array(bytes[tagEnd...])
        )
    }

    /// Parses the base64 text form (how boxes travel in JSON).
    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64) else { throw CryptoError(.malformedBox, "the sealed box is not valid base64") }
        try self.init(bytes: Array(data))
    }

    /// The serialized form.
    public var bytes: [UInt8] {
        header + nonce + tag + ciphertext
    }

    /// The serialized form as base64.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// Version and key id: authenticated with the caller's associated data.
    var header: [UInt8] {
        let id = Array(keyID.utf8)
        return [version, UInt8(id.count)] + id
    }
}

/// Keys by id: seals with the current key, opens with whichever key a box names.
///
/// ```swift
/// let ring = try KeyRing(current: "k2", keys: ["k1": oldKey, "k2": newKey])
/// let box = try ring.seal(Array(#"{"access_token":"…"}"#.utf8), associatedData: Array("account:42|ZERODHA".utf8))
/// let plaintext = try ring.open(box, associatedData: Array("account:42|ZERODHA".utf8))
/// ```
public struct KeyRing: Sendable {
    /// The key id new boxes are sealed with.
    public let currentKeyID: String
    private let keys: [String: SymmetricKey]

    /// A ring whose `current` id must be one of `keys`; ids are 1-255 bytes of UTF-8.
    public init(current: String, keys: [String: SymmetricKey]) throws {
        guard keys[current] != nil else { throw CryptoError(.unknownKeyID, "the current key id '\(current)' has no key") }
        for id in keys.keys where id.utf8.isEmpty || id.utf8.count > 255 {
            throw CryptoError(.invalidKey, "a key id must be 1-255 bytes long")
        }
        self.currentKeyID = current
        self.keys = keys
    }

    /// The ids this ring can open.
    public var keyIDs: [String] { keys.keys.sorted() }

    /// Seals `plaintext` with the current key, binding `associatedData` (who the secret belongs to).
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> SealedBox {
        let key = keys[currentKeyID]!
        let header = SealedBox(keyID: currentKeyID, nonce: [], tag: [], ciphertext: []).header
        let sealed = try AESGCM.seal(plaintext, key: key, associatedData: header + associatedData)
        return SealedBox(keyID: currentKeyID, nonce: sealed.nonce, tag: sealed.tag, ciphertext: sealed.ciphertext)
    }

    /// Opens a box sealed by any key in the ring; throws when the key id is unknown or anything was altered.
    public func open(_ box: SealedBox, associatedData: [UInt8]) throws -> [UInt8] {
        guard let key = keys[box.keyID] else {
            throw CryptoError(.unknownKeyID, "no key with id '\(box.keyID.prefix(64))' is configured; it may have been rotated out")
        }
        return try AESGCM.open(ciphertext: box.ciphertext, tag: box.tag, nonce: box.nonce, key: key, associatedData: box.header + associatedData)
    }

    /// Re-seals a box under the current key (key rotation); the plaintext never leaves this call.
    public func reseal(_ box: SealedBox, associatedData: [UInt8]) throws -> SealedBox {
        try seal(open(box, associatedData: associatedData), associatedData: associatedData)
    }

    /// Derives a per-purpose key from a master key with HKDF-SHA256 (`info` names the purpose, e.g. the broker).
    public static func deriveKey(master: SymmetricKey, salt: String = "portfolio-sync", info: String) throws -> SymmetricKey {
        try SymmetricKey(
            bytes: HKDF.deriveSHA256(inputKeyMaterial: master.bytes, salt: Array(salt.utf8), info: Array(info.utf8), outputByteCount: 32)
        )
    }
}
