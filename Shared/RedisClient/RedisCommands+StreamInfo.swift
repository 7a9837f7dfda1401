/// `XINFO`: what the monitor shows about streams, groups and consumers.
extension RedisCommands {
    /// `XINFO GROUPS stream`.
    public func groupInfo(_ stream: String) async throws -> [StreamGroupInfo] {
        let reply = try await send(["XINFO", "GROUPS", .init(stream)])
        guard let groups = reply.array else { throw RedisError.unexpected("XINFO GROUPS", reply) }
        return try groups.map { group in
            let fields = try Self.fieldMap(group, "XINFO GROUPS")
            guard let name = fields["name"]?.string else { throw RedisError.unexpected("XINFO GROUPS", reply) }
            return StreamGroupInfo(
                name: name,
                consumers: fields["consumers"]?.int ?? 0,
                pending: fields["pending"]?.int ?? 0,
                lastDeliveredID: fields["last-delivered-id"]?.string.flatMap(StreamID.init) ?? .zero,
                lag: fields["lag"]?.int
            )
        }
    }

    /// `XINFO CONSUMERS stream group`.
    public func consumerInfo(_ stream: String, group: String) async throws -> [StreamConsumerInfo] {
        let reply = try await send(["XINFO", "CONSUMERS", .init(stream), .init(group)])
        guard let consumers = reply.array else { throw RedisError.unexpected("XINFO CONSUMERS", reply) }
        return try consumers.map { consumer in
            let fields = try Self.fieldMap(consumer, "XINFO CONSUMERS")
            guard let name = fields["name"]?.string else { throw RedisError.unexpected("XINFO CONSUMERS", reply) }
            return StreamConsumerInfo(
                name: name,
                pending: fields["pending"]?.int ?? 0,
                idle: .milliseconds(fields["idle"]?.int ?? 0),
                inactive: fields["inactive"]?.int.map { .milliseconds($0) }
            )
        }
    }

    /// `XINFO STREAM stream`; `nil` when the stream does not exist.
    public func streamInfo(_ stream: String) async throws -> StreamInfo? {
        let reply: RedisValue
        do {
            reply = try await send(["XINFO", "STREAM", .init(stream)])
        } catch let error as RedisError where error.serverErrorPrefix == "ERR" && error.message.contains("no such key") {
            return nil
        }
        let fields = try Self.fieldMap(reply, "XINFO STREAM")
        func entryID(_ key: String) -> StreamID? {
            fields[key]?.array?.first?.string.flatMap(StreamID.init)
        }
        return StreamInfo(
            length: fields["length"]?.int ?? 0,
            groups: fields["groups"]?.int ?? 0,
            lastGeneratedID: fields["last-generated-id"]?.string.flatMap(StreamID.init) ?? .zero,
            firstEntryID: entryID("first-entry"),
            lastEntryID: entryID("last-entry")
        )
    }

    static func fieldMap(_ reply: RedisValue, _ command: String) throws -> [String: RedisValue] {
        guard let items = reply.array, items.count.isMultiple(of: 2) else { throw RedisError.unexpected(command, reply) }
        var result: [String: RedisValue] = [:]
        for index in stride(from: 0, to: items.count, by: 2) {
            if let key = items[index].string { result[key] = items[index + 1] }
        }
        return result
    }
}
