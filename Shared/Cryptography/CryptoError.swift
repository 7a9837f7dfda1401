/// A refused seal or open. Messages never include key material or plaintext.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Code: Sendable, Equatable {
        case authenticationFailed
        case unknownKeyID
        case malformedBox
        case unsupportedVersion
        case invalidKey
        case library
    }

    let code: Code
    /// What went wrong, in one clause.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The data, tag or associated data was altered, or the wrong key was used.
    public var isAuthenticationFailure: Bool { code == .authenticationFailed }
    /// The box names a key id this key ring does not hold.
    public var isUnknownKeyID: Bool { code == .unknownKeyID }

    public var description: String { message }
}
