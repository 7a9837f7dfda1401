/// A webhook URL taken apart: scheme, host, port and the rest, with the host in the one form libcurl and the pinned
/// address must agree on (lowercase ASCII, no trailing dot), so a pin can never miss and let libcurl resolve by itself.
struct EgressURL: Sendable, Equatable {
    /// `https` or `http`, lowercase.
    let scheme: String
    /// Lowercase; an IPv6 address without its brackets.
    let host: String
    let port: Int
    /// Path, query and fragment as given (`/` when empty).
    let rest: String

    /// The URL to send to, rebuilt from its parts.
    var normalized: String {
        let authority = EgressAddress(host).map(\.bracketed) ?? host
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(authority)\(port == defaultPort ? "" : ":\(port)")\(rest)"
    }

    /// The host as an address when the URL names one directly.
    var literalAddress: EgressAddress? { EgressAddress(host) }

    /// Parses `text`; throws a refusal naming what is wrong with it.
    init(_ text: String) throws(EgressRefusal) {
        guard text.utf8.count <= EgressPolicy.maximumURLLength else {
            throw EgressRefusal("refused: the URL is longer than \(EgressPolicy.maximumURLLength) characters")
        }
        guard !text.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7f }) else {
            throw EgressRefusal("refused: the URL has spaces, control characters or non-ASCII characters (percent-encode them)")
        }
        guard let separator = text.firstRange(of: "://") else {
            throw EgressRefusal("refused: not an absolute URL such as https://hooks.example.com/psync")
        }
        scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else { throw EgressRefusal("refused: the URL must be https") }
        let afterScheme = text[separator.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let path = afterScheme.dropFirst(authority.count)
        rest = path.isEmpty ? "/" : (path.hasPrefix("/") ? String(path) : "/" + path)
        guard !authority.contains("@") else { throw EgressRefusal("refused: the URL must not hold a user name or password") }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw EgressRefusal("refused: the URL's IPv6 address has no closing bracket") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw EgressRefusal("refused: the URL's authority is malformed") }
                portPart = after.dropFirst()
            }
            guard let address = EgressAddress(String(hostPart)), !address.isIPv4 else {
                throw EgressRefusal("refused: '\(hostPart.prefix(64))' is not an IPv6 address")
            }
        } else {
            let pieces = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostPart = pieces[0]
            if pieces.count == 2 { portPart = pieces[1] }
        }
        if hostPart.hasSuffix(".") { hostPart = hostPart.dropLast() }
        host = hostPart.lowercased()
        guard !host.isEmpty, host.utf8.count <= 253 else { throw EgressRefusal("refused: the URL has no host") }
        guard EgressAddress(host) != nil || host.utf8.allSatisfy(Self.isHostByte) else {
            throw EgressRefusal("refused: host '\(host.prefix(64))' may only have letters, digits, '-' and '.' (use the punycode form)")
        }
        if let portPart {
            guard let port = Int(portPart), portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber), (1...65535).contains(port) else {
                throw EgressRefusal("refused: port '\(portPart.prefix(12))' is not a number 1-65535")
            }
            self.port = port
        } else {
            port = scheme == "https" ? 443 : 80
        }
    }

    /// A byte a host name may have: ASCII letters, digits, `-` and `.`.
    static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
            UInt8(ascii: "."):
            true
        default: false
        }
    }
}
