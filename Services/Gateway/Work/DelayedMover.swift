import Contracts
import Logging
import RedisClient
import ServiceLifecycle

/// Returns jobs waiting for a retry to the broker's stream when they are due.
///
/// Retries wait in a sorted set scored by due time (ms), never in a worker's memory or in a sleep;
/// the move is one Lua script, so a job is either still waiting or back on the stream, never both.
struct DelayedMover: Service {
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1]))
        for _, member in ipairs(due) do
            redis.call('XADD', KEYS[2], '*', 'type', ARGV[2], 'v', ARGV[3], 'body', member)
            redis.call('ZREM', KEYS[1], member)
        end
        return #due
        """
    )

    let redis: RedisPool
    let broker: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var moved = 0
                repeat {
                    moved = try await moveDue()
                } while moved == 500
            } catch {
                logger.debug("delayed jobs not moved", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Moves up to 500 due jobs; returns how many.
    func moveDue() async throws -> Int {
        try await redis.evaluate(
            Self.script,
            keys: [StreamNames.delayed(broker: broker), StreamNames.jobs(broker: broker)],
            arguments: ["500", .init(JobMessage.messageType), .init(JobMessage.version)]
        ).int ?? 0
    }
}
