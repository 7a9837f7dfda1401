/// The adapters by broker code: the seed's trigger registry. Adding a broker is one line here.
public enum BrokerRegistry {
    /// Makes the adapter for a broker code.
    private static let factories: [String: @Sendable (BrokerEnvironment) -> any BrokerAdapter] = [
        ZerodhaAdapter.code: { ZerodhaAdapter(environment: $0) },
        AlpacaAdapter.code: { AlpacaAdapter(environment: $0) },
        UpstoxAdapter.code: { UpstoxAdapter(environment: $0) },
        SandboxAdapter.code: { SandboxAdapter(environment: $0) },
        VestedAdapter.code: { VestedAdapter(environment: $0) },
    ]

    /// Where each broker's API is, unless configured otherwise (`PSYNC_<CODE>_BASE_URL`).
    public static let defaultBaseURLs: [String: String] = [
        ZerodhaAdapter.code: "https://api.kite.trade",
        AlpacaAdapter.code: "https://api.alpaca.markets",
        UpstoxAdapter.code: "https://api.upstox.com",
        SandboxAdapter.code: "http://127.0.0.1:7190",
        VestedAdapter.code: "",
    ]

    /// The broker codes with an adapter.
    public static var codes: [String] { factories.keys.sorted() }

    /// The adapter for `code`, or `nil` if the system has none.
    public static func adapter(for code: String, environment: BrokerEnvironment) -> (any BrokerAdapter)? {
        factories[code.uppercased()].map { $0(environment) }
    }

    /// The credential fields `code`'s adapter needs.
    public static func requiredCredentialFields(for code: String) -> [String] {
        switch code.uppercased() {
        case ZerodhaAdapter.code: ZerodhaAdapter.requiredCredentialFields
        case AlpacaAdapter.code: AlpacaAdapter.requiredCredentialFields
        case UpstoxAdapter.code: UpstoxAdapter.requiredCredentialFields
        case SandboxAdapter.code: SandboxAdapter.requiredCredentialFields
        default: []
        }
    }
}
