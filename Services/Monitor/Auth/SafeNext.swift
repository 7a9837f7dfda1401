/// Where a login may send the browser afterwards: a path on this site, built from safe characters only.
///
/// Refused (and replaced by `/`): anything not starting with one `/` (schemes, `//host`, `/\host`), any byte
/// outside the URL characters of RFC 3986 (TAB, CR, LF, spaces, backslashes, non-ASCII: browsers drop or rewrite
/// some of them, which is how `/\t/evil.example` becomes `//evil.example`), malformed percent-escapes, and any path
/// that, decoded once, would fail the same checks (`/%2F%2Fevil`, `/%5Cevil`, `/%09/evil`).
enum SafeNext {
    static let maximumLength = 512

    /// `text` when it is a safe same-site path, `/` otherwise.
    static func path(_ text: String?) -> String {
        guard let text, isSafe(text), let decoded = percentDecoded(text), isSafe(decoded), !decoded.contains("%") else { return "/" }
        return text
    }

    /// One `/`, then only unreserved characters, sub-delimiters, `:@/?%`, and nothing a browser would reinterpret.
    static func isSafe(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumLength, bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count > 1, bytes[1] == UInt8(ascii: "/") || bytes[1] == UInt8(ascii: "\\") { return false }
        return bytes.allSatisfy(isAllowed)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("-._~!$&'()*+,;=:@/?%".utf8).contains(byte)
        }
    }

    /// `text` with each `%XX` decoded once; `nil` when an escape is malformed or decodes to something not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
