import CivilTime
public import FoundationEssentials

/// The JSON settings every service and client shares: ISO 8601 UTC dates with milliseconds, sorted keys.
public enum JSONCoding {
    /// A new encoder with the shared settings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A new decoder with the shared settings; it accepts dates with or without fractional seconds.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "must be an ISO 8601 time such as 2026-11-24T09:30:00Z, got '\(text.prefix(40))'"
                )
            }
            return date
        }
        return decoder
    }

    /// Encodes with the shared settings.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    /// Decodes with the shared settings.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }
}

/// ISO 8601 in UTC, the only time format on our wire: `2026-11-24T09:30:00.125Z`.
///
/// Times are rounded to the nearest millisecond, so a time that went through JSON comes back as
/// the same text however often it travels (a `Date` is a `Double`, and truncating would drift).
public enum ISO8601 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// Milliseconds either side of 1970 that `format` writes as they are: JavaScript's `Date` range
    /// (±100,000,000 days, years -271821 to 275760); times beyond it are written as its ends.
    static let formattableMilliseconds = 8_640_000_000_000_000.0

    /// `2026-11-24T09:30:00.125Z`. Total, it never traps: a year outside 0000-9999 is written in the
    /// expanded form JavaScript uses (`-000001-…`, `+010000-…`), a time beyond `formattableMilliseconds`
    /// as that end, NaN as 1970. Such times are refused long before (`TimeBounds`); this is the last guard.
    public static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let bounded = milliseconds.isNaN ? 0 : Int(max(-formattableMilliseconds, min(formattableMilliseconds, milliseconds)))
        let (days, millisecondOfDay) = CivilDate.floorDivision(bounded, 86_400_000)
        let civil = CivilDate(daysSinceEpoch: days)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var rest = value
            for index in stride(from: width - 1, through: 0, by: -1) {
                digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            text += digits
        }
        if (0...9999).contains(civil.year) {
            append(civil.year, width: 4)
        } else {
            text.append(civil.year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            append(Int(civil.year.magnitude), width: 6)
        }
        text.append(UInt8(ascii: "-"))
        append(civil.month, width: 2)
        text.append(UInt8(ascii: "-"))
        append(civil.day, width: 2)
        text.append(UInt8(ascii: "T"))
        append(millisecondOfDay / 3_600_000, width: 2)
        text.append(UInt8(ascii: ":"))
        append(millisecondOfDay / 60_000 % 60, width: 2)
        text.append(UInt8(ascii: ":"))
        append(millisecondOfDay / 1000 % 60, width: 2)
        text.append(UInt8(ascii: "."))
        append(millisecondOfDay % 1000, width: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `2026-11-24T09:30:00Z` or `2026-11-24T09:30:00.125Z` (or with an offset); `nil` otherwise.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        if (bytes.count == 20 || bytes.count == 24) && bytes.last == UInt8(ascii: "Z") {
            return parseUTC(bytes).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        return (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }

    /// The common forms, `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.fffZ`, as milliseconds since 1970.
    private static func parseUTC(_ bytes: [UInt8]) -> Int? {
        func number(_ start: Int, _ width: Int) -> Int? {
            var value = 0
            for byte in bytes[start..<start + width] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue! }) else { return nil }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2), let minute = number(14, 2),
            let second = number(17, 2), let date = CivilDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction = 0
        if bytes.count == 24 {
            guard bytes[19] == UInt8(ascii: "."), let value = number(20, 3) else { return nil }
            fraction = value
        }
        return ((date.daysSinceEpoch * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + fraction
    }
}
