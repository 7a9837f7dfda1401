/// The egress rules applied to a URL: the policy's checks, the host resolved, every address checked, and the connection
/// pinned to the addresses checked (`resolveEntries`), so a DNS answer that changes in between cannot redirect it.
struct EgressGuard: Sendable {
    let policy: EgressPolicy
    let resolver: EgressResolver

    /// Where `text` may be sent, or the rule it breaks.
    func check(_ text: String) async throws(EgressRefusal) -> EgressTarget {
        let url = try policy.parse(text)
        let addresses: [EgressAddress]
        if let literal = url.literalAddress {
            addresses = [literal]
        } else {
            addresses = try await resolver.addresses(of: url.host)
        }
        for address in addresses {
            if let refusal = policy.refusal(for: address, host: url.host) { throw refusal }
        }
        return EgressTarget(url: url, addresses: addresses)
    }
}

/// A URL that passed the egress rules, with the addresses it was checked against.
struct EgressTarget: Sendable, Equatable {
    let url: EgressURL
    let addresses: [EgressAddress]

    /// libcurl resolve entries (`host:port:address,…`) that make it connect to the checked addresses only; none for a
    /// URL that names an address itself.
    var resolveEntries: [String] {
        guard url.literalAddress == nil else { return [] }
        return ["\(url.host):\(url.port):\(addresses.map(\.bracketed).joined(separator: ","))"]
    }
}
