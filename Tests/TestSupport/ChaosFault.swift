import Foundation

/// One kind of fault the chaos scenario injects while a run is going on.
public enum ChaosFault: String, CaseIterable, Sendable {
    case gatewayKill = "gateway replica kill -9"
    case persistenceKill = "persistence kill -9 mid-batch"
    case dispatcherKill = "dispatcher kill -9"
    case redisRestart = "Redis restart (AOF on)"
    case postgresRestart = "Postgres restart"
    case serverErrorBurst = "brokersim 5xx burst"
    case rateLimitStorm = "brokersim 429 storm"
    case postgresOutage = "Postgres stopped (outage)"
    case redisOutage = "Redis stopped (outage)"
    case wrongKeyReplica = "gateway replica with a wrong key id"
    case redisFailover = "Redis primary killed, replica promoted (Sentinel)"

    /// The faults of one round: a gateway replica killed between every two other faults; the long outages and the
    /// misconfigured replica, when asked for, once in the first round; the Redis failover, when asked for, once, right
    /// after the last Redis restart or outage (in the middle of the plan when there is none).
    ///
    /// The failover comes after every fault that stops or restarts Redis, not before: those act on the stack's
    /// `RedisServer`, the original primary. Once it is killed the replica is the primary, and restarting it would start
    /// it again as a replica of the dead server (its `--replicaof` arguments) without AOF, losing every stream; ordering
    /// the plan avoids that with no second kind of restart. (Until the failover the sentinels are told to wait longer
    /// than any outage before they call the primary down, so a planned restart or outage promotes nothing.)
    public static func plan(rounds: Int, gatewayKills: Int, widened: [ChaosFault] = [], failover: Bool = false) -> [ChaosFault] {
        let others: [ChaosFault] = [
            .serverErrorBurst, .persistenceKill, .rateLimitStorm, .dispatcherKill, .redisRestart, .postgresRestart,
        ]
        var rest = widened + Array(repeating: others, count: rounds).flatMap { $0 }
        var plan: [ChaosFault] = []
        var kills = gatewayKills
        while !rest.isEmpty || kills > 0 {
            if kills > 0 {
                plan.append(.gatewayKill)
                kills -= 1
            }
            if !rest.isEmpty { plan.append(rest.removeFirst()) }
        }
        if failover {
            let lastRedisFault = plan.lastIndex { $0 == .redisRestart || $0 == .redisOutage }
            plan.insert(.redisFailover, at: lastRedisFault.map { $0 + 1 } ?? plan.count / 2)
        }
        return plan
    }
}

/// What happened to one injected fault.
public struct ChaosFaultRecord: Sendable {
    /// Which fault.
    public var fault: ChaosFault
    /// Seconds after the run started that it was injected.
    public var at: Double
    /// What exactly was done (the replica, how much work it held, the accounts hit).
    public var detail: String
    /// How long from the injection until the system had recovered; nil if it never did within the limit.
    public var recovery: Double?
}
