#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, parsed and printed by libc (`inet_pton`, `inet_ntop`).
struct EgressAddress: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A dotted quad or an IPv6 address (no brackets, no zone); nil for anything else.
    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var four = in_addr()
        if inet_pton(AF_INET, text, &four) == 1 {
            self.bytes = withUnsafeBytes(of: &four) { Array($0) }
            return
        }
        var six = in6_addr()
        guard inet_pton(AF_INET6, text, &six) == 1 else { return nil }
        self.bytes = withUnsafeBytes(of: &six) { Array($0) }
    }

    var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv6 one carries where it names an IPv4 host: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
    /// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`); nil otherwise.
    var embeddedIPv4: EgressAddress? {
        guard bytes.count == 16 else { return nil }
        let zeros10 = bytes[0..<10].allSatisfy { $0 == 0 }
        if zeros10 && bytes[10] == 0xff && bytes[11] == 0xff { return EgressAddress(bytes: Array(bytes[12..<16])) }
        if zeros10 && bytes[10] == 0 && bytes[11] == 0 && bytes[12..<16].contains(where: { $0 != 0 }) {
            // `::` and `::1` are themselves (unspecified, loopback); anything else in ::/96 is IPv4-compatible.
            if bytes[12..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return nil }
            return EgressAddress(bytes: Array(bytes[12..<16]))
        }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return EgressAddress(bytes: Array(bytes[12..<16])) }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return EgressAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let printed = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        guard printed != nil else { return "?" }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// How the address is written in a URL or a libcurl resolve entry: IPv6 in brackets.
    var bracketed: String { isIPv4 ? description : "[\(description)]" }
}

/// A block of addresses such as `10.0.0.0/8` or `fc00::/7`; a bare address is a block of one.
struct EgressNetwork: Hashable, Sendable, CustomStringConvertible {
    let base: EgressAddress
    let bits: Int

    init(_ base: EgressAddress, _ bits: Int) {
        self.base = base
        self.bits = bits
    }

    /// `address/bits` or a bare address; nil when either part is not valid.
    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let base = EgressAddress(String(parts[0])) else { return nil }
        let limit = base.bytes.count * 8
        if parts.count == 2 {
            guard let bits = Int(parts[1]), (0...limit).contains(bits), parts[1].allSatisfy(\.isASCII) else { return nil }
            self.init(base, bits)
        } else {
            self.init(base, limit)
        }
    }

    /// Whether `address` (of the same family) lies inside.
    func contains(_ address: EgressAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = bits
        for index in base.bytes.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if address.bytes[index] & mask != base.bytes[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    var description: String { "\(base)/\(bits)" }
}
