/// A setting that is missing or malformed; the message names the variable and what it must be.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One clause naming the setting: "PSYNC_HTTP_PORT must be a port number 0-65535, got 'abc'".
    public let message: String

    /// An error with its message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
