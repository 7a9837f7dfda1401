import ServiceKit

/// Settings of psync-gateway: the shared ones (default port 0, any free port) plus its broker.
struct GatewayConfiguration: Sendable {
    var service = ServiceConfiguration(defaultPort: 0)
    /// The broker code, upper case (`--broker` or `PSYNC_BROKER`).
    var broker: String

    init(broker: String) {
        self.broker = broker.uppercased()
    }

    init(environment: EnvironmentReader, broker flag: String?) throws {
        guard let broker = flag ?? environment.string("PSYNC_BROKER") else {
            throw ConfigurationError("a broker is required: --broker CODE or PSYNC_BROKER (e.g. ZERODHA, SANDBOX)")
        }
        guard !broker.isEmpty, broker.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ConfigurationError("the broker code must be letters, digits or '_', got '\(broker.prefix(40))'")
        }
        self.init(broker: broker)
        service = try ServiceConfiguration(defaultPort: 0, environment: environment)
    }
}
