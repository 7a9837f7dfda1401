public import Contracts

/// Every broker the system has an adapter for: the seed's trigger registry. Adding a broker is one line here.
public enum BrokerRegistry {
    /// The adapters, one line each.
    public static let adapters: [any BrokerAdapter.Type] = [
        ZerodhaAdapter.self,
        AlpacaAdapter.self,
        UpstoxAdapter.self,
        SandboxAdapter.self,
        VestedAdapter.self,
        DhanAdapter.self,
    ]

    private static let byCode: [String: any BrokerAdapter.Type] = Dictionary(
        adapters.map { adapter in (adapter.broker.code, adapter) }, uniquingKeysWith: { first, _ in first })

    /// The broker codes with an adapter, sorted.
    public static var codes: [String] { byCode.keys.sorted() }

    /// What each broker is and can do, by code.
    public static var descriptions: [BrokerDescription] { adapters.map { $0.broker } }

    /// The adapter type for `code`, or `nil` if the system has none.
    public static func adapterType(for code: String) -> (any BrokerAdapter.Type)? {
        byCode[code.uppercased()]
    }

    /// What `code` is and can do, or `nil` if the system has no adapter for it.
    public static func description(for code: String) -> BrokerDescription? {
        adapterType(for: code)?.broker
    }

    /// The adapter for `code`, or `nil` if the system has none.
    public static func adapter(for code: String, environment: BrokerEnvironment) -> (any BrokerAdapter)? {
        adapterType(for: code).map { $0.init(environment: environment) }
    }

    /// The row persistence keeps for each broker (enabled is the operator's, not the adapter's).
    public static var brokerTypes: [BrokerType] {
        descriptions.map { broker in
            BrokerType(
                code: broker.code, name: broker.name, enabled: true,
                capabilities: BrokerCapability.allCases.filter { broker.capabilities.contains($0) })
        }
    }
}
