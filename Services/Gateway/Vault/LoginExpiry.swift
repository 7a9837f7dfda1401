import Brokers
import Contracts
import FoundationEssentials

/// A stored login the broker has already ended: the job is refused without calling the broker.
enum LoginExpiry {
    /// The auth failure for `box` when its login expired before `now`, else `nil`.
    static func failure(of box: SealedCredentials, broker: String, now: Date) -> BrokerError? {
        guard let expiresAt = box.expiresAt, expiresAt <= now else { return nil }
        return .auth("the \(broker) login of account \(box.accountID) expired at \(ISO8601.format(expiresAt)); the broker was not called")
    }
}
