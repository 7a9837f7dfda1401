public import FoundationEssentials

/// A stream entry that no consumer could process, kept with the reason on `psync:dead`.
public struct DeadLetter: Codable, Sendable, Equatable {
    /// Its id on the dead-letter stream.
    public var id: String
    /// The stream it came from and its id there.
    public var originStream: String
    public var originID: String
    /// The consumer group that gave up on it.
    public var group: String
    /// Why, in one clause.
    public var reason: String
    /// How many times it was delivered.
    public var deliveries: Int
    public var at: Date
    /// The original `type` and `v` fields.
    public var messageType: String?
    public var version: String?
    /// The original body as text (cut at 64 KiB).
    public var body: String?
    /// The job it was about, when it is a job or a result.
    public var jobID: Int?

    public init(
        id: String,
        originStream: String,
        originID: String,
        group: String,
        reason: String,
        deliveries: Int,
        at: Date,
        messageType: String?,
        version: String?,
        body: String?,
        jobID: Int?
    ) {
        self.id = id
        self.originStream = originStream
        self.originID = originID
        self.group = group
        self.reason = reason
        self.deliveries = deliveries
        self.at = at
        self.messageType = messageType
        self.version = version
        self.body = body
        self.jobID = jobID
    }
}
