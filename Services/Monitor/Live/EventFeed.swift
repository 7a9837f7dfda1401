import Contracts
import FoundationEssentials
import Logging
import RedisClient
import ServiceLifecycle
import Synchronization

/// Reads the events stream with plain `XREAD … BLOCK` on its own connection (its own thread) and hands each
/// event to every open `/events` response. One reader serves any number of browsers.
final class EventFeed: Service, Sendable {
    /// One event as Server-Sent Events send it.
    struct Message: Sendable {
        var id: String
        /// `job`, `run`, `queue`, `deadletter`, `account`, … (the event kind's first word).
        var name: String
        var data: String

        var wireText: String { "id: \(id)\nevent: \(name)\ndata: \(data)\n\n" }
    }

    private let connection: RedisConnection
    private let logger: Logger
    private let subscribers = Mutex<[Int: AsyncStream<Message>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    init(redis: RedisPool, logger: Logger) {
        connection = redis.dedicatedConnection(name: "monitor-events")
        self.logger = logger
    }

    /// Events from now on, until the caller stops iterating.
    func subscribe() -> AsyncStream<Message> {
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingNewest(256))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    var subscriberCount: Int { subscribers.withLock { $0.count } }

    func run() async throws {
        var last = "$"
        var healthy = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let reply = try await connection.send(
                    ["XREAD", "COUNT", "200", "BLOCK", "2000", "STREAMS", .init(StreamNames.events), .init(last)], timeout: .seconds(12))
                if !healthy { logger.info("event feed restored") }
                healthy = true
                for (id, fields) in Self.entries(reply) {
                    last = id
                    broadcast(Self.message(id: id, fields: fields))
                }
            } catch {
                if healthy { logger.warning("event feed read failed; retrying", metadata: ["error": "\(error)"]) }
                healthy = false
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
        subscribers.withLock { all in
            for continuation in all.values { continuation.finish() }
            all.removeAll()
        }
        await connection.disconnect()
    }

    private func broadcast(_ message: Message) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(message) }
    }

    /// The entries of an `XREAD` reply over one stream: id and fields.
    static func entries(_ reply: RedisValue) -> [(String, [String: [UInt8]])] {
        guard let streams = reply.array else { return [] }
        var result: [(String, [String: [UInt8]])] = []
        for stream in streams {
            guard let pair = stream.array, pair.count == 2, let entries = pair[1].array else { continue }
            for entry in entries {
                guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
                var fields: [String: [UInt8]] = [:]
                let items = parts[1].array ?? []
                for index in stride(from: 0, to: items.count - 1, by: 2) {
                    if let name = items[index].string { fields[name] = items[index + 1].bytes ?? [] }
                }
                result.append((id, fields))
            }
        }
        return result
    }

    /// The SSE message for one stream entry: the event's JSON when it decodes, a bare notice otherwise.
    static func message(id: String, fields: [String: [UInt8]]) -> Message {
        if let event = try? StreamEnvelope.decode(Event.self, from: fields).0, let json = try? JSONCoding.encode(event) {
            let name = event.kind.rawValue.split(separator: ".").first.map(String.init) ?? "event"
            return Message(id: id, name: name, data: String(decoding: json, as: UTF8.self))
        }
        return Message(id: id, name: "event", data: "{}")
    }
}
