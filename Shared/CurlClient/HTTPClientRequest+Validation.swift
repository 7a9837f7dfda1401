extension HTTPClientRequest {
    /// Why this request must not be sent, or `nil`: a scheme other than http or https, a URL with
    /// control characters or spaces, or a method or header that could end a line early (CR, LF,
    /// NUL), or a resolve entry that is not `host:port:address`. Messages name the part at fault, never a header's value or the URL (either may hold a secret).
    var problem: String? {
        let url = Array(url.utf8)
        let scheme = url.prefix { $0 != UInt8(ascii: ":") }
        let lowered = String(decoding: scheme, as: UTF8.self).lowercased()
        guard lowered == "http" || lowered == "https", url.dropFirst(scheme.count).starts(with: "://".utf8) else {
            return "only http and https URLs are allowed, not '\(lowered.prefix(12))'"
        }
        if url.contains(where: { $0 <= 0x20 || $0 == 0x7f }) { return "the URL contains a space or a control character" }
        guard !method.isEmpty, method.utf8.count <= 32, method.utf8.allSatisfy(Self.isTokenByte) else {
            return "the method must be a token such as GET, got \(method.utf8.count) bytes"
        }
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.count <= 256, name.utf8.allSatisfy(Self.isTokenByte) else {
                return
                    "a header name must be a token such as X-Api-Key, got '\(String(name.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 }.prefix(40)))'"
            }
            if value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a || $0 == 0x00 }) {
                return "header '\(name)' has a CR, LF or NUL in its value"
            }
            if value.utf8.count > 16 << 10 { return "header '\(name)' is longer than 16 KiB" }
        }
        for entry in resolve ?? [] {
            guard !entry.isEmpty, entry.utf8.count <= 1024, !entry.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }),
                entry.utf8.count { $0 == UInt8(ascii: ":") } >= 2
            else {
                return "a resolve entry must be host:port:address without spaces or control characters"
            }
        }
        return nil
    }

    /// RFC 9110's `tchar`: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
