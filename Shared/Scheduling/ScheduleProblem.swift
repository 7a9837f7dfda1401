/// A problem with a schedule definition, naming the field: e.g. field "cron", message "cron field 'hour' must be 0-23, got 25".
public struct ScheduleProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The definition field at fault: `everySeconds`, `cron`, `timeZone` or `runAt`.
    public var field: String
    /// One clause saying what is wrong, naming the field.
    public var message: String

    /// A problem with `field`, described by `message`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
