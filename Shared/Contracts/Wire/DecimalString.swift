import ExactDecimal
public import FoundationEssentials

/// A `Decimal` (or optional one) that travels in JSON as an exact string: `"1234.50"`, never a float.
///
/// ```swift
/// struct Holding: Codable {
///     @DecimalString var quantity: Decimal
///     @DecimalString var lastPrice: Decimal?
/// }
/// ```
/// Decoding also accepts a JSON number, parsed exactly from its digits.
@propertyWrapper
public struct DecimalString<Value: DecimalStringValue>: Codable, Sendable, Hashable {
    /// The exact value.
    public var wrappedValue: Value

    /// Wraps a value.
    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil(), let none = Value.none {
            wrappedValue = none
            return
        }
        if let text = try? container.decode(String.self) {
            guard let decimal = Decimal(exactText: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be a decimal number such as \"1234.50\", got '\(text.prefix(40))'")
            }
            wrappedValue = Value(decimal: decimal)
            return
        }
        do {
            wrappedValue = Value(decimal: try container.decode(Decimal.self))
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number such as \"1234.50\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let decimal = wrappedValue.decimal {
            try container.encode(decimal.exactText)
        } else {
            try container.encodeNil()
        }
    }
}

/// `Decimal` or `Decimal?`: what `@DecimalString` wraps.
public protocol DecimalStringValue: Sendable, Hashable {
    /// The value, `nil` for an absent optional.
    var decimal: Decimal? { get }
    /// Wraps a decoded decimal.
    init(decimal: Decimal)
    /// The absent value for optionals; `nil` for `Decimal` itself.
    static var none: Self? { get }
}

extension Decimal: DecimalStringValue {
    public var decimal: Decimal? { self }
    public init(decimal: Decimal) { self = decimal }
    public static var none: Decimal? { nil }
}

extension Optional: DecimalStringValue where Wrapped == Decimal {
    public var decimal: Decimal? { self }
    public init(decimal: Decimal) { self = decimal }
    public static var none: Decimal?? { .some(nil) }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as `nil` for `@DecimalString var x: Decimal?`.
    public func decode(_ type: DecimalString<Decimal?>.Type, forKey key: Key) throws -> DecimalString<Decimal?> {
        try decodeIfPresent(type, forKey: key) ?? DecimalString(wrappedValue: nil)
    }
}
