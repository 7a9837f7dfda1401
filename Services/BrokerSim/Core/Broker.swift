import SandboxData

/// The wire formats the simulator speaks.
enum Broker: String, Sendable, CaseIterable, Codable {
    case kite, alpaca, upstox, sandbox, dhan

    /// Which instruments its accounts hold: Alpaca's are US ones, the others Indian.
    var market: SimulatedPortfolio.Market {
        self == .alpaca ? .us : .india
    }

    /// A dense index, for counters kept in arrays.
    var index: Int {
        switch self {
        case .kite: 0
        case .alpaca: 1
        case .upstox: 2
        case .sandbox: 3
        case .dhan: 4
        }
    }
}
