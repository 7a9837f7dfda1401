/// The Redis Streams commands the system uses.
extension RedisCommands {
    /// `XADD stream [trim] id field value …`: the new entry's id.
    @discardableResult
    public func xadd(_ stream: String, id: String = "*", fields: [(String, RedisArgument)], trim: StreamTrim? = nil) async throws -> StreamID {
        let reply = try await send(Self.xaddArguments(stream, id: id, fields: fields, trim: trim))
        guard let text = reply.string, let id = StreamID(text) else { throw RedisError.unexpected("XADD", reply) }
        return id
    }

    /// The arguments of one `XADD`, for pipelining many.
    public static func xaddArguments(_ stream: String, id: String = "*", fields: [(String, RedisArgument)], trim: StreamTrim? = nil)
        -> [RedisArgument]
    {
        var arguments: [RedisArgument] = ["XADD", .init(stream)]
        if let trim { arguments += trim.arguments }
        arguments.append(.init(id))
        for (field, value) in fields {
            arguments.append(.init(field))
            arguments.append(value)
        }
        return arguments
    }

    /// `XGROUP CREATE stream group start MKSTREAM`: false when the group already existed.
    @discardableResult
    public func createGroup(_ stream: String, group: String, startingAt start: String = "$", makeStream: Bool = true) async throws -> Bool {
        var arguments: [RedisArgument] = ["XGROUP", "CREATE", .init(stream), .init(group), .init(start)]
        if makeStream { arguments.append("MKSTREAM") }
        do {
            _ = try await send(arguments)
            return true
        } catch let error as RedisError where error.serverErrorPrefix == "BUSYGROUP" {
            return false
        }
    }

    /// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] STREAMS stream id`.
    ///
    /// `id` is `>` for new entries or an id to re-read this consumer's own pending ones.
    /// Returns no entries when `block` passes with nothing new.
    public func readGroup(
        _ stream: String,
        group: String,
        consumer: String,
        id: String = ">",
        count: Int? = nil,
        block: Duration? = nil
    ) async throws -> [StreamEntry] {
        try await readGroup(streams: [(stream, id)], group: group, consumer: consumer, count: count, block: block)[stream] ?? []
    }

    /// `XREADGROUP` over several streams at once: entries per stream.
    public func readGroup(
        streams: [(stream: String, id: String)],
        group: String,
        consumer: String,
        count: Int? = nil,
        block: Duration? = nil
    ) async throws -> [String: [StreamEntry]] {
        var arguments: [RedisArgument] = ["XREADGROUP", "GROUP", .init(group), .init(consumer)]
        if let count { arguments += ["COUNT", .init(count)] }
        if let block { arguments += ["BLOCK", .init(max(1, block.milliseconds))] }
        arguments.append("STREAMS")
        arguments += streams.map { RedisArgument($0.stream) }
        arguments += streams.map { RedisArgument($0.id) }
        let reply = try await send(arguments, timeout: block.map { $0 + .seconds(10) })
        if reply.isNull { return [:] }
        guard let perStream = reply.array else { throw RedisError.unexpected("XREADGROUP", reply) }
        var result: [String: [StreamEntry]] = [:]
        for item in perStream {
            guard let pair = item.array, pair.count == 2, let name = pair[0].string, let entries = pair[1].array else {
                throw RedisError.unexpected("XREADGROUP", reply)
            }
            result[name] = try entries.map { try Self.entry($0, "XREADGROUP") }
        }
        return result
    }

    /// `XACK stream group id …`: how many were acknowledged.
    @discardableResult
    public func ack(_ stream: String, group: String, ids: [StreamID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await send(["XACK", .init(stream), .init(group)] + ids.map { .init($0.description) }).int ?? 0
    }

    /// `XPENDING stream group`: the summary.
    public func pendingSummary(_ stream: String, group: String) async throws -> PendingSummary {
        let reply = try await send(["XPENDING", .init(stream), .init(group)])
        guard let parts = reply.array, parts.count == 4, let count = parts[0].int else { throw RedisError.unexpected("XPENDING", reply) }
        var consumers: [String: Int] = [:]
        for item in parts[3].array ?? [] {
            if let pair = item.array, pair.count == 2, let name = pair[0].string, let held = pair[1].int { consumers[name] = held }
        }
        return PendingSummary(
            count: count,
            lowestID: parts[1].string.flatMap(StreamID.init),
            highestID: parts[2].string.flatMap(StreamID.init),
            consumers: consumers
        )
    }

    /// `XPENDING stream group [IDLE ms] start end count [consumer]`: pending entries in id order.
    public func pending(
        _ stream: String,
        group: String,
        idleAtLeast: Duration? = nil,
        start: String = "-",
        end: String = "+",
        count: Int = 100,
        consumer: String? = nil
    ) async throws -> [PendingEntry] {
        var arguments: [RedisArgument] = ["XPENDING", .init(stream), .init(group)]
        if let idleAtLeast { arguments += ["IDLE", .init(idleAtLeast.milliseconds)] }
        arguments += [.init(start), .init(end), .init(count)]
        if let consumer { arguments.append(.init(consumer)) }
        let reply = try await send(arguments)
        guard let items = reply.array else { throw RedisError.unexpected("XPENDING", reply) }
        return try items.map { item in
            guard let fields = item.array, fields.count == 4, let id = fields[0].string.flatMap(StreamID.init),
                let owner = fields[1].string, let idle = fields[2].int, let deliveries = fields[3].int
            else { throw RedisError.unexpected("XPENDING", reply) }
            return PendingEntry(id: id, consumer: owner, idle: .milliseconds(idle), deliveries: deliveries)
        }
    }

    /// `XAUTOCLAIM stream group consumer min-idle start COUNT n`: takes over entries idle at least `minIdle`.
    public func autoClaim(
        _ stream: String,
        group: String,
        consumer: String,
        minIdle: Duration,
        start: StreamID = .zero,
        count: Int = 100
    ) async throws -> AutoClaimResult {
        let reply = try await send([
            "XAUTOCLAIM", .init(stream), .init(group), .init(consumer), .init(minIdle.milliseconds), .init(start.description),
            "COUNT", .init(count),
        ])
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string.flatMap(StreamID.init), let entries = parts[1].array
        else { throw RedisError.unexpected("XAUTOCLAIM", reply) }
        let deleted = parts.count > 2 ? (parts[2].array ?? []).compactMap { $0.string.flatMap(StreamID.init) } : []
        return AutoClaimResult(
            nextStart: next,
            entries: try entries.compactMap { $0.isNull ? nil : try Self.entry($0, "XAUTOCLAIM") },
            deletedIDs: deleted
        )
    }

    /// `XCLAIM … JUSTID`: resets the idle time of entries this consumer holds without counting a delivery,
    /// so a reclaimer never takes work from a live consumer. Returns the ids still held.
    @discardableResult
    public func renewClaim(_ stream: String, group: String, consumer: String, ids: [StreamID]) async throws -> [StreamID] {
        guard !ids.isEmpty else { return [] }
        let reply = try await send(
            ["XCLAIM", .init(stream), .init(group), .init(consumer), "0"] + ids.map { .init($0.description) } + ["JUSTID"]
        )
        return (reply.array ?? []).compactMap { $0.string.flatMap(StreamID.init) }
    }

    /// `XDEL stream id …`: how many were deleted.
    @discardableResult
    public func xdel(_ stream: String, ids: [StreamID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await send(["XDEL", .init(stream)] + ids.map { .init($0.description) }).int ?? 0
    }

    /// `XLEN stream`.
    public func xlen(_ stream: String) async throws -> Int {
        try await send(["XLEN", .init(stream)]).int ?? 0
    }

    /// `XTRIM stream MINID|MAXLEN …`: how many entries were removed.
    @discardableResult
    public func xtrim(_ stream: String, _ trim: StreamTrim) async throws -> Int {
        try await send(["XTRIM", .init(stream)] + trim.arguments).int ?? 0
    }

    /// `XRANGE stream start end COUNT n` (or `XREVRANGE` when `reverse`).
    public func xrange(_ stream: String, start: String = "-", end: String = "+", count: Int? = nil, reverse: Bool = false) async throws
        -> [StreamEntry]
    {
        var arguments: [RedisArgument] =
            reverse ? ["XREVRANGE", .init(stream), .init(end), .init(start)] : ["XRANGE", .init(stream), .init(start), .init(end)]
        if let count { arguments += ["COUNT", .init(count)] }
        let reply = try await send(arguments)
        guard let items = reply.array else { throw RedisError.unexpected("XRANGE", reply) }
        return try items.map { try Self.entry($0, "XRANGE") }
    }

    static func entry(_ value: RedisValue, _ command: String) throws -> StreamEntry {
        guard let pair = value.array, pair.count == 2, let id = pair[0].string.flatMap(StreamID.init) else {
            throw RedisError.unexpected(command, value)
        }
        if pair[1].isNull { return StreamEntry(id: id, fields: [:], payloadDeleted: true) }
        return StreamEntry(id: id, fields: try pairs(pair[1], command))
    }
}
