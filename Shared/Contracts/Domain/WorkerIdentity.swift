/// What `GET /v1/identity?challenge=…` answers (no token needed): the service, the address it advertises, and one
/// proof per token it accepts (`WorkerProof` in Cryptography says how they are made and checked).
public struct WorkerIdentity: Codable, Sendable, Equatable {
    /// The path every service serves it at.
    public static let path = "/v1/identity"

    public var service: String
    public var address: String?
    public var proofs: [String]

    public init(service: String, address: String?, proofs: [String]) {
        self.service = service
        self.address = address
        self.proofs = proofs
    }

    /// A challenge a caller may send: 16-128 letters, digits, `-` or `_`.
    public static func isValidChallenge(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || byte == 0x2d || byte == 0x5f
            }
    }
}

/// Which service addresses taken from the registry (heartbeats in Redis) a caller may send a token to at all
/// (`PSYNC_TRUSTED_WORKER_HOSTS`): host names, IPv4 or IPv6 addresses, and IPv4 CIDR blocks, separated by commas, or
/// `*` for any host on a network only our own services share (compose's project network, where replicas are known by
/// container host names). The default is loopback only. Anything else is refused before a connection is made,
/// whatever the heartbeat says; an allowed address must still prove it holds the token (`WorkerProof`).
public struct WorkerAddressPolicy: Sendable, Equatable {
    public static let loopback = WorkerAddressPolicy(hosts: ["localhost", "::1"], blocks: [.init(base: 0x7f00_0000, bits: 8)])

    struct Block: Sendable, Equatable {
        let base: UInt32
        let bits: Int

        func contains(_ address: UInt32) -> Bool {
            bits == 0 || (address >> (32 - bits)) == (base >> (32 - bits))
        }
    }

    let hosts: Set<String>
    let blocks: [Block]
    var anyHost = false

    /// The policy a setting describes, or why it cannot be read; `nil` or empty means loopback only.
    public static func parse(_ setting: String?) throws(WorkerAddressPolicyError) -> WorkerAddressPolicy {
        guard let setting, !setting.trimmingWhitespace.isEmpty else { return .loopback }
        var hosts: Set<String> = []
        var blocks: [Block] = []
        var anyHost = false
        for item in setting.split(separator: ",").map({ String($0).trimmingWhitespace.lowercased() }) where !item.isEmpty {
            if item == "*" {
                anyHost = true
            } else if let slash = item.firstIndex(of: "/") {
                guard let base = ipv4(String(item[..<slash])), let bits = Int(item[item.index(after: slash)...]), (0...32).contains(bits) else {
                    throw WorkerAddressPolicyError(
                        message: "PSYNC_TRUSTED_WORKER_HOSTS entry '\(item.prefix(64))' is not an IPv4 block such as 10.0.0.0/8")
                }
                blocks.append(Block(base: base, bits: bits))
            } else if let address = ipv4(item) {
                blocks.append(Block(base: address, bits: 32))
            } else {
                hosts.insert(item.hasPrefix("[") && item.hasSuffix("]") ? String(item.dropFirst().dropLast()) : item)
            }
        }
        return WorkerAddressPolicy(hosts: hosts, blocks: blocks, anyHost: anyHost)
    }

    /// Whether `url` (`http://host:port`, as a heartbeat advertises) may be called.
    public func permits(_ url: String) -> Bool {
        guard let host = Self.host(of: url) else { return false }
        if anyHost { return true }
        if let address = Self.ipv4(host) { return blocks.contains { $0.contains(address) } }
        return hosts.contains(host)
    }

    /// The lowercased host of an `http` or `https` URL without user info, or `nil`.
    static func host(of url: String) -> String? {
        let lowered = url.lowercased()
        guard let schemeEnd = lowered.firstRange(of: "://"), ["http", "https"].contains(String(lowered[..<schemeEnd.lowerBound])) else {
            return nil
        }
        let rest = lowered[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), !authority.isEmpty else { return nil }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        let host = authority.prefix { $0 != ":" }
        return host.isEmpty ? nil : String(host)
    }

    /// A dotted-quad IPv4 address as a number, or `nil`.
    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }
}

/// The reverse proxies in front of the monitor (`PSYNC_MONITOR_TRUSTED_PROXIES`: IPv4 addresses and CIDR blocks, IPv6
/// addresses, comma-separated; none by default). A request whose socket peer is one of them is counted, for the login
/// limit, as coming from the right-most `X-Forwarded-For` address that is not one of them; from anyone else the header is
/// ignored, so a client cannot choose the address it is counted under. A header that is too long, has too many hops or
/// a hop that is not an address counts as the peer itself.
public struct TrustedProxies: Sendable, Equatable {
    let blocks: [WorkerAddressPolicy.Block]
    let ipv6: Set<String>
    /// The most of `X-Forwarded-For` read: hops, and bytes of all its values together.
    static let maximumHops = 32
    static let maximumBytes = 2048

    public static let none = TrustedProxies(blocks: [], ipv6: [])

    /// The proxies a setting names, or why it cannot be read; `nil` or empty means none.
    public static func parse(_ setting: String?) throws(WorkerAddressPolicyError) -> TrustedProxies {
        guard let setting, !setting.trimmingWhitespace.isEmpty else { return .none }
        var blocks: [WorkerAddressPolicy.Block] = []
        var ipv6: Set<String> = []
        for item in setting.split(separator: ",").map({ String($0).trimmingWhitespace.lowercased() }) where !item.isEmpty {
            if let slash = item.firstIndex(of: "/") {
                guard let base = WorkerAddressPolicy.ipv4(String(item[..<slash])), let bits = Int(item[item.index(after: slash)...]),
                    (0...32).contains(bits)
                else {
                    throw WorkerAddressPolicyError(
                        message: "PSYNC_MONITOR_TRUSTED_PROXIES entry '\(item.prefix(64))' is not an IPv4 block such as 10.0.0.0/8")
                }
                blocks.append(.init(base: base, bits: bits))
            } else if let address = WorkerAddressPolicy.ipv4(item) {
                blocks.append(.init(base: address, bits: 32))
            } else if Self.isIPv6(item) {
                ipv6.insert(item)
            } else {
                throw WorkerAddressPolicyError(message: "PSYNC_MONITOR_TRUSTED_PROXIES entry '\(item.prefix(64))' is not an IP address or IPv4 block")
            }
        }
        return TrustedProxies(blocks: blocks, ipv6: ipv6)
    }

    /// Whether `address` is one of the proxies.
    public func contains(_ address: String) -> Bool {
        let lowered = address.lowercased()
        if let value = WorkerAddressPolicy.ipv4(lowered) { return blocks.contains { $0.contains(value) } }
        return ipv6.contains(lowered)
    }

    /// The address a request is counted under: its peer, or through trusted proxies the client they name.
    public func client(peer: String?, forwardedFor values: [String]) -> String? {
        guard let peer, contains(peer), !values.isEmpty else { return peer }
        guard values.reduce(0, { $0 + $1.utf8.count }) <= Self.maximumBytes else { return peer }
        let hops = values.flatMap { $0.split(separator: ",") }.map { String($0).trimmingWhitespace }
        guard hops.count <= Self.maximumHops else { return peer }
        for hop in hops.reversed() {
            guard WorkerAddressPolicy.ipv4(hop) != nil || Self.isIPv6(hop.lowercased()) else { return peer }
            if !contains(hop) { return hop.lowercased() }
        }
        return hops.first.map { $0.lowercased() } ?? peer
    }

    /// Hex groups and colons only, at least two colons, at most 39 characters (no zone, no embedded IPv4).
    static func isIPv6(_ text: String) -> Bool {
        (2...39).contains(text.count) && text.filter { $0 == ":" }.count >= 2
            && text.utf8.allSatisfy { $0 == UInt8(ascii: ":") || (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// A `PSYNC_TRUSTED_WORKER_HOSTS` entry that cannot be read.
public struct WorkerAddressPolicyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
