public import Contracts
public import RedisClient

/// One decoded entry handed to a consumer.
public struct Delivery<Message: StreamMessage>: Sendable {
    /// The entry's id on its stream.
    public let id: StreamID
    public let message: Message
    /// The request id the producer attached, if any.
    public let requestID: String?
    /// How many times the entry has been delivered, this time included.
    public let deliveries: Int
    /// The raw fields, kept so the entry can be dead-lettered as it arrived.
    public let fields: [String: [UInt8]]

    public init(id: StreamID, message: Message, requestID: String?, deliveries: Int, fields: [String: [UInt8]]) {
        self.id = id
        self.message = message
        self.requestID = requestID
        self.deliveries = deliveries
        self.fields = fields
    }
}

/// An entry that could not be used, and why.
public struct Rejected: Sendable {
    public let entry: StreamEntry
    public let reason: String
    public let deliveries: Int

    public init(entry: StreamEntry, reason: String, deliveries: Int) {
        self.entry = entry
        self.reason = reason
        self.deliveries = deliveries
    }
}
