/// Where psync-webhooks may send requests: the checks a URL passes when it is saved and again before every delivery.
///
/// A URL must parse, be `https` (or `http` where allowed), carry no user or password, be at most 2,000 characters, and
/// name a host the allow-list permits (`PSYNC_WEBHOOKS_ALLOWED_HOSTS`; empty permits any). Every address its host resolves
/// to must then be public (`EgressAddressClass`) or inside an allowed network (`PSYNC_WEBHOOKS_ALLOWED_NETWORKS`).
///
/// ```swift
/// let policy = try EgressPolicy(allowedHosts: "*.example.com", allowedNetworks: nil, allowsHTTP: false)
/// let url = try policy.parse("https://hooks.example.com/psync")   // then resolve url.host and check each address
/// if let refusal = policy.refusal(for: EgressAddress("10.1.2.3")!, host: url.host) { throw refusal }
/// ```
struct EgressPolicy: Sendable {
    /// The longest URL accepted.
    static let maximumURLLength = 2000

    /// Host names (`hooks.example.com`) and suffix patterns (`*.example.com`); empty permits every host.
    var allowedHosts: [String] = []
    /// Blocks whose addresses are permitted although they are not public.
    var allowedNetworks: [EgressNetwork] = []
    /// Whether plain `http` URLs are permitted.
    var allowsHTTP = false

    init() {}

    /// The policy the settings describe (comma-separated lists; nil or empty for none).
    init(allowedHosts: String?, allowedNetworks: String?, allowsHTTP: Bool) throws(EgressSettingError) {
        self.allowsHTTP = allowsHTTP
        for item in Self.items(allowedHosts) {
            let name = item.hasPrefix("*.") ? String(item.dropFirst(2)) : item
            guard !name.isEmpty, name.utf8.count <= 253, name.utf8.allSatisfy(EgressURL.isHostByte) || EgressAddress(name) != nil else {
                throw EgressSettingError(
                    message: "PSYNC_WEBHOOKS_ALLOWED_HOSTS entry '\(item.prefix(64))' is not a host name or a pattern such as *.example.com")
            }
            self.allowedHosts.append(item)
        }
        for item in Self.items(allowedNetworks) {
            guard let network = EgressNetwork(item) else {
                throw EgressSettingError(
                    message: "PSYNC_WEBHOOKS_ALLOWED_NETWORKS entry '\(item.prefix(64))' is not an address block such as 10.0.0.0/8 or fd00::/8")
            }
            self.allowedNetworks.append(network)
        }
    }

    private static func items(_ setting: String?) -> [String] {
        (setting ?? "").split(separator: ",").map { item in
            item.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed().map(String.init).joined().lowercased()
        }.filter { !$0.isEmpty }
    }

    /// The URL, parsed and checked without resolving its host; throws the first rule it breaks.
    func parse(_ text: String) throws(EgressRefusal) -> EgressURL {
        let url = try EgressURL(text)
        guard url.scheme == "https" || (url.scheme == "http" && allowsHTTP) else {
            throw EgressRefusal(url.scheme == "http" ? "refused: plain http is not allowed; use https" : "refused: the URL must be https")
        }
        guard permitsHost(url.host) else {
            throw EgressRefusal("refused: host \(url.host) is not in PSYNC_WEBHOOKS_ALLOWED_HOSTS")
        }
        return url
    }

    /// Whether the allow-list permits `host` (lowercase, no trailing dot).
    func permitsHost(_ host: String) -> Bool {
        guard !allowedHosts.isEmpty else { return true }
        return allowedHosts.contains { pattern in
            pattern.hasPrefix("*.") ? host.hasSuffix(pattern.dropFirst()) && host.count > pattern.count - 1 : host == pattern
        }
    }

    /// Why a connection to `address` is refused, or nil when it is public or inside an allowed network. `host` is the URL's
    /// host, named in the message when it is not the address itself.
    func refusal(for address: EgressAddress, host: String) -> EgressRefusal? {
        if allowedNetworks.contains(where: { $0.contains(address) || address.embeddedIPv4.map($0.contains) == true }) { return nil }
        let kind = EgressAddressClass.of(address)
        guard kind != .public else { return nil }
        if EgressAddress(host) != nil { return EgressRefusal("refused: \(address) is \(kind.phrase)") }
        return EgressRefusal("refused: \(host) resolves to \(address), \(kind.phrase)")
    }
}

/// Why a URL or an address is refused: one clause starting "refused:" that names the rule.
struct EgressRefusal: Error, CustomStringConvertible, Sendable, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A setting of the egress rules that cannot be read.
struct EgressSettingError: Error, Sendable {
    let message: String
}
