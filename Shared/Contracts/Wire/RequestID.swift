/// The request id that ties together every log line, RPC and stream message about one operation.
///
/// A caller sets it (the CLI makes one per command); RPC clients send it as `x-request-id` and
/// servers adopt it for the handler, so nested calls carry it on.
public enum RequestID {
    /// The HTTP header that carries it.
    public static let header = "x-request-id"

    /// The id of the operation this task is working for, if any.
    @TaskLocal public static var current: String?

    /// A new random id: 16 lowercase hex digits.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Whether `text` is acceptable as an incoming id: 1-64 letters, digits, `-` or `_`.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}

/// Who an operation is for: the identity that authenticated the request (`admin`, `monitor for admin`), carried
/// like the request id. RPC clients send it on; a server believes it only from one of our own services (a person's
/// request is audited under the person's own identity), so a change a gateway makes for an administrator is audited
/// as `gateway:ZERODHA for admin`.
public enum RequestActor {
    /// The HTTP header that carries it.
    public static let header = "x-psync-actor"

    /// The actor of the operation this task is working for, if any.
    @TaskLocal public static var current: String?

    /// Whether `text` is acceptable as an actor: 1-128 letters, digits, spaces, `@ . - _ :`.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || " @.-_:".utf8.contains(byte)
            }
    }
}
