import CivilTime
import FoundationEssentials

/// Finds the byte ranges of a JSON array's elements without decoding them, so each broker item
/// can be kept exactly as sent (as `meta`).
enum JSONSlices {
    /// The elements of the array found by following `path` through nested objects (the top-level array when empty).
    static func elements(of bytes: [UInt8], path: [String]) -> [Range<Int>]? {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        for key in path {
            guard scanner.consume(UInt8(ascii: "{")) else { return nil }
            var found = false
            while !found {
                scanner.skipWhitespace()
                guard let name = scanner.string() else { return nil }
                scanner.skipWhitespace()
                guard scanner.consume(UInt8(ascii: ":")) else { return nil }
                scanner.skipWhitespace()
                if name == key {
                    found = true
                } else {
                    guard scanner.skipValue() else { return nil }
                    scanner.skipWhitespace()
                    guard scanner.consume(UInt8(ascii: ",")) else { return nil }
                }
            }
        }
        return scanner.arrayElements()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d || bytes[index] == 0x09 { index += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string token's raw content (escapes left as they are: keys never use them in practice).
        mutating func string() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                index += 1
            }
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        if string() == nil { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    default: break
                    }
                    index += 1
                }
                return false
            default:
                while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[index]) { index += 1 }
                return true
            }
        }

        mutating func arrayElements() -> [Range<Int>]? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var ranges: [Range<Int>] = []
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return ranges }
            while true {
                skipWhitespace()
                let start = index
                guard skipValue() else { return nil }
                var end = index
                while end > start, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[end - 1]) { end -= 1 }
                ranges.append(start..<end)
                skipWhitespace()
                if consume(UInt8(ascii: "]")) { return ranges }
                guard consume(UInt8(ascii: ",")) else { return nil }
            }
        }
    }
}

/// Broker timestamps.
enum BrokerTime {
    /// `yyyy-mm-dd hh:mm:ss` in India Standard Time (UTC+05:30, no daylight saving), as Kite writes times.
    static func parseIST(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count >= 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= digits.count else { return nil }
            var value = 0
            for index in range {
                let byte = digits[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), (1...31).contains(day) else {
            return nil
        }
        var seconds = 0
        if digits.count >= 19 {
            guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
            seconds = hour * 3600 + minute * 60 + second
        }
        guard let date = CivilDate(year: year, month: month, day: day) else { return nil }
        return Date(timeIntervalSince1970: Double(date.daysSinceEpoch * 86_400 + seconds - 19_800))
    }
}
