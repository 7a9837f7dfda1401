internal import COpenSSL

/// SHA-256 through OpenSSL (Kite's login checksum, rate-limit keys that must not reveal an API key).
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let status = bytes.withUnsafeBufferPointer { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(status == 1 && length == 32, "OpenSSL's SHA-256 failed")
        return digest
    }

    /// The digest of `text`'s UTF-8 bytes as lowercase hex.
    public static func hexDigest(_ text: String) -> String {
        Hex.string(hash(Array(text.utf8)))
    }
}
