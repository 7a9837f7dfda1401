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

/// ISO 8601 in UTC, the only time format on our wire.
public enum ISO8601 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// `2026-11-24T09:30:00.125Z`.
    public static func format(_ date: Date) -> String {
        withFraction.format(date)
    }

    /// Parses `2026-11-24T09:30:00Z` or `2026-11-24T09:30:00.125Z` (or with an offset); `nil` otherwise.
    public static func parse(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }
}
