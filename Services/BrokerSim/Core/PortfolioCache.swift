import SandboxData
import Synchronization

/// Recently computed portfolios and trade lists, so a token's holdings are worked out once, not per request.
///
/// `SimulatedPortfolio` spends most of its time in `Decimal` division (about 0.25 ms per 20-position
/// portfolio), which would cap the simulator near 4,000 portfolios per second per core. Two
/// generations bound the memory: when the current one is full it becomes the previous one, and a
/// hit in the previous one moves back.
final class PortfolioCache: Sendable {
    /// Which portfolio: everything `SimulatedPortfolio` is made from.
    struct Key: Hashable, Sendable {
        var token: String
        var day: Int
        var count: Int
        var market: SimulatedPortfolio.Market
    }

    private struct Generations<Value> {
        var current: [Key: Value] = [:]
        var previous: [Key: Value] = [:]
    }

    private let capacity: Int
    private let holdingsCache = Mutex(Generations<[PricedPosition]>())
    private let tradesCache = Mutex(Generations<[SimulatedPortfolio.Trade]>())

    /// A cache of about `capacity` portfolios and as many trade lists; 0 disables it.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The positions held on `key.day`, priced.
    func holdings(_ key: Key) -> [PricedPosition] {
        Self.value(key, in: holdingsCache, capacity: capacity) {
            SimulatedPortfolio(token: key.token, day: key.day, count: key.count, market: key.market).holdings.map(PricedPosition.init)
        }
    }

    /// The trades of `key.day`.
    func trades(_ key: Key) -> [SimulatedPortfolio.Trade] {
        Self.value(key, in: tradesCache, capacity: capacity) {
            SimulatedPortfolio(token: key.token, day: key.day, count: key.count, market: key.market).trades
        }
    }

    private static func value<Value: Sendable>(
        _ key: Key, in cache: borrowing Mutex<Generations<Value>>, capacity: Int, compute: () -> Value
    ) -> Value {
        guard capacity > 0 else { return compute() }
        let cached: Value? = cache.withLock { generations in
            if let value = generations.current[key] { return value }
            guard let value = generations.previous.removeValue(forKey: key) else { return nil }
            insert(key, value, into: &generations, capacity: capacity)
            return value
        }
        if let cached { return cached }
        // Computed outside the lock: two requests missing at once both compute, and get equal values.
        let value = compute()
        cache.withLock { insert(key, value, into: &$0, capacity: capacity) }
        return value
    }

    private static func insert<Value>(_ key: Key, _ value: Value, into generations: inout Generations<Value>, capacity: Int) {
        if generations.current.count >= max(1, capacity / 2) {
            generations.previous = generations.current
            generations.current = [:]
            generations.current.reserveCapacity(capacity / 2)
        }
        generations.current[key] = value
    }
}
