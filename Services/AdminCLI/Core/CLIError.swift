/// A failure the CLI reports as `psync: <message>` and exit status 1.
struct CLIError: Error, CustomStringConvertible {
    /// One clause a person can act on; never a secret.
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
