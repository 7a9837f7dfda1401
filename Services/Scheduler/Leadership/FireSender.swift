import Contracts
import FoundationEssentials
import RedisClient

/// Puts a recorded fire on `psync:dispatch` at most once: one script checks that the sender still
/// holds the leader lease (for scheduled fires), marks the (schedule, fire time) as sent, and
/// appends it, atomically. A leader that recorded a fire and died before sending it leaves the
/// schedule due, so its successor sends it; one that sent it and died before advancing leaves a
/// mark, so its successor does not send it again.
struct FireSender: Sendable {
    static let script = RedisScript(
        """
        if ARGV[1] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
        if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 0 end
        redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
        return 1
        """
    )
    /// How long the sent marks live: far longer than any failover.
    static let markLifetimeMilliseconds = 7 * 24 * 3600 * 1000

    enum Outcome: Equatable {
        case sent
        /// Sent before, by us or a previous leader.
        case alreadySent
        /// The lease has moved on: this instance must stop firing.
        case notLeader
    }

    let redis: RedisPool

    static func markKey(_ fire: FireMessage) -> String {
        "psync:scheduler:sent:\(fire.scheduleID):\(Int64((fire.fireTime.timeIntervalSince1970 * 1000).rounded()))"
    }

    /// Sends `fire`; `holding` is the leader's lease, or `nil` for a manual run-now.
    func send(_ fire: FireMessage, as holding: LeaderLease.Holding?) async throws -> Outcome {
        var arguments: [RedisArgument] = [.init(holding?.value ?? ""), .init(Self.markLifetimeMilliseconds)]
        for (name, value) in try StreamEnvelope.fields(fire, requestID: RequestID.current) {
            arguments.append(.init(name))
            arguments.append(RedisArgument(bytes: value))
        }
        let reply = try await redis.evaluate(
            Self.script, keys: [StreamNames.dispatch, Self.markKey(fire), LeaderLease.key], arguments: arguments)
        switch reply.int {
        case 1: return .sent
        case 0: return .alreadySent
        default: return .notLeader
        }
    }
}
