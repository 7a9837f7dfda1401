internal import COpenSSL

/// HMAC with SHA-256 (RFC 2104) through OpenSSL: signed session cookies and fingerprints that reveal nothing.
///
/// ```swift
/// let tag = HMACSHA256.authenticationCode(for: Array("session 42".utf8), key: secret)
/// let valid = HMACSHA256.isValid(tag, for: Array("session 42".utf8), key: secret)
/// ```
public enum HMACSHA256 {
    /// Size of a tag in bytes.
    public static let byteCount = 32

    /// The 32-byte tag of `message` under `key` (any length; OpenSSL hashes keys longer than a block).
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress, messageBuffer.count, &tag, &length)
            }
        }
        precondition(result != nil && length == UInt32(byteCount), "OpenSSL's HMAC-SHA256 failed")
        return tag
    }

    /// Whether `tag` is the tag of `message` under `key`, compared in constant time.
    public static func isValid(_ tag: [UInt8], for message: [UInt8], key: [UInt8]) -> Bool {
        ConstantTime.equals(tag, authenticationCode(for: message, key: key))
    }
}
