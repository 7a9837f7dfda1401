import Contracts
import Synchronization

/// A fault of our own — Redis, persistence or Postgres away, a key this replica does not hold — never the broker's
/// and never the account's: the job goes back to the queue with its attempt count unchanged, and no account's status
/// moves.
struct OwnFault: Error, CustomStringConvertible, APIErrorConvertible {
    enum Kind {
        /// A service of ours did not answer; it will come back.
        case unavailable
        /// This replica is set up wrongly (a missing or unknown key); other replicas may serve the job.
        case configuration
    }

    let kind: Kind
    /// What went wrong, in one clause, without secrets.
    let message: String

    static func unavailable(_ message: String) -> OwnFault { OwnFault(kind: .unavailable, message: message) }
    static func configuration(_ message: String) -> OwnFault { OwnFault(kind: .configuration, message: message) }

    var description: String { message }

    /// At the HTTP edge (`psync sync --now`, `psync credentials set`): 503, the person can retry once it is fixed.
    var apiError: APIError { .unavailable(message) }
}

/// Whether this replica recently met a sealed box it cannot open for want of a key: its readiness says so (and what
/// to fix) until it has gone `quiet` without another.
final class KeyHealth: Sendable {
    private let latest = Mutex<(message: String, at: ContinuousClock.Instant)?>(nil)
    private let quiet: Duration

    init(quiet: Duration = .seconds(60)) {
        self.quiet = quiet
    }

    func record(_ fault: OwnFault) {
        guard fault.kind == .configuration else { return }
        latest.withLock { $0 = (fault.message, ContinuousClock.now) }
    }

    /// Throws the latest key problem while it is recent.
    func check() throws {
        guard let problem = latest.withLock({ $0 }), ContinuousClock.now - problem.at < quiet else { return }
        throw OwnFault.configuration(problem.message)
    }
}
