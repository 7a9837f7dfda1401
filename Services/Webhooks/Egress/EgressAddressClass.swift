/// What kind of address a webhook would connect to; every kind but `public` is refused unless an allowed network
/// (`PSYNC_WEBHOOKS_ALLOWED_NETWORKS`) holds the address.
enum EgressAddressClass: String, Sendable, CaseIterable {
    case `public`
    case loopback
    /// 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (site-local), 64:ff9b:1::/48 (local NAT64).
    case `private`
    /// 169.254/16 (cloud metadata services live here), fe80::/10.
    case linkLocal
    /// 100.64/10, carrier-grade NAT.
    case sharedAddressSpace
    /// 0.0.0.0, `::`.
    case unspecified
    /// 224/4, ff00::/8.
    case multicast
    /// 255.255.255.255.
    case broadcast
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32.
    case documentation
    /// 0/8, 192.0.0/24, 192.88.99/24, 198.18/15, 240/4; IPv6 outside 2000::/3, Teredo, ORCHID, 100::/64.
    case reserved

    /// How a refusal names it: "127.0.0.1 is a loopback address".
    var phrase: String {
        switch self {
        case .public: "a public address"
        case .loopback: "a loopback address"
        case .private: "a private address"
        case .linkLocal: "a link-local address (where cloud metadata services answer)"
        case .sharedAddressSpace: "a carrier-grade NAT address (100.64.0.0/10)"
        case .unspecified: "the unspecified address"
        case .multicast: "a multicast address"
        case .broadcast: "the broadcast address"
        case .documentation: "a documentation address"
        case .reserved: "a reserved address"
        }
    }

    /// The class of `address`; an IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) is the class of
    /// the IPv4 address inside.
    static func of(_ address: EgressAddress) -> EgressAddressClass {
        if address.isIPv4 { return ipv4(address) }
        if let inner = address.embeddedIPv4 { return ipv4(inner) }
        for (network, kind) in ipv6Table where network.contains(address) { return kind }
        // Only 2000::/3 is global unicast.
        return address.bytes[0] & 0xe0 == 0x20 ? .public : .reserved
    }

    private static func ipv4(_ address: EgressAddress) -> EgressAddressClass {
        for (network, kind) in ipv4Table where network.contains(address) { return kind }
        return .public
    }

    /// Most specific first: the first block holding an address decides.
    private static let ipv4Table = table([
        ("0.0.0.0/32", .unspecified), ("255.255.255.255/32", .broadcast),
        ("0.0.0.0/8", .reserved), ("10.0.0.0/8", .private), ("100.64.0.0/10", .sharedAddressSpace), ("127.0.0.0/8", .loopback),
        ("169.254.0.0/16", .linkLocal), ("172.16.0.0/12", .private), ("192.0.0.0/24", .reserved), ("192.0.2.0/24", .documentation),
        ("192.88.99.0/24", .reserved), ("192.168.0.0/16", .private), ("198.18.0.0/15", .reserved), ("198.51.100.0/24", .documentation),
        ("203.0.113.0/24", .documentation), ("224.0.0.0/4", .multicast), ("240.0.0.0/4", .reserved),
    ])

    private static let ipv6Table = table([
        ("::/128", .unspecified), ("::1/128", .loopback), ("64:ff9b:1::/48", .private), ("100::/64", .reserved),
        ("2001:db8::/32", .documentation), ("2001::/32", .reserved), ("2001:10::/28", .reserved), ("2001:20::/28", .reserved),
        ("fc00::/7", .private), ("fe80::/10", .linkLocal), ("fec0::/10", .private), ("ff00::/8", .multicast),
    ])

    private static func table(_ entries: [(String, EgressAddressClass)]) -> [(EgressNetwork, EgressAddressClass)] {
        entries.map { (EgressNetwork($0.0)!, $0.1) }
    }
}
