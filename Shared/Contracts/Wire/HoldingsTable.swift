import ExactDecimal
import FoundationEssentials

/// Holdings as one tab-separated table, the wire form of a snapshot's rows.
///
/// One line per holding, fields in this order: symbol, exchange, isin, assetType, quantity,
/// averagePrice, lastPrice, currency, costValue, marketValue, free, unsettled, pledged (the split,
/// all three or none), lot, multiplier, meta (raw JSON). Escapes as in
/// Postgres' COPY text format: `\\` for a backslash, `\t`, `\n` and `\r` for those characters,
/// and `\N` alone for a missing value. Decimals are exact text.
public enum HoldingsTable {
    static let columns = 16

    /// A malformed table; the message names the line and field.
    public struct FormatError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The table for `holdings`, as UTF-8.
    public static func encode(_ holdings: [Holding]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(holdings.count * 160)
        for holding in holdings {
            appendFields(of: holding, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// One holding's line without its newline: the 16 fields, tab-separated and escaped. The same text is a
    /// run of columns of a Postgres `COPY … FROM STDIN` row (persistence writes snapshots' rows with it).
    public static func appendFields(of holding: Holding, to bytes: inout [UInt8]) {
        append(holding.symbol, to: &bytes)
        append(holding.exchange, to: &bytes)
        append(holding.isin, to: &bytes)
        append(holding.assetType.rawValue, to: &bytes)
        append(holding.quantity.exactText, to: &bytes)
        append(holding.averagePrice.exactText, to: &bytes)
        append(holding.lastPrice?.exactText, to: &bytes)
        append(holding.currency, to: &bytes)
        append(holding.costValue.exactText, to: &bytes)
        append(holding.marketValue?.exactText, to: &bytes)
        append(holding.split?.free.exactText, to: &bytes)
        append(holding.split?.unsettled.exactText, to: &bytes)
        append(holding.split?.pledged.exactText, to: &bytes)
        append(holding.lot?.rawValue, to: &bytes)
        append(holding.multiplier?.exactText, to: &bytes)
        append(holding.meta?.text, to: &bytes, last: true)
    }

    /// The holdings in `table` (UTF-8); throws with the line and field at fault.
    public static func decode(_ table: [UInt8]) throws -> [Holding] {
        try table.withUnsafeBufferPointer { bytes in
            var holdings: [Holding] = []
            var fields: [String?] = []
            fields.reserveCapacity(columns)
            var line = 1
            var index = 0
            while index < bytes.count {
                fields.removeAll(keepingCapacity: true)
                var current: [UInt8] = []
                var isNull = false
                while true {
                    guard index < bytes.count else {
                        throw FormatError(message: "line \(line) is not terminated by a newline")
                    }
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
                        fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
                        current.removeAll(keepingCapacity: true)
                        isNull = false
                        if byte == UInt8(ascii: "\n") { break }
                    } else if byte == UInt8(ascii: "\\") {
                        guard index < bytes.count else { throw FormatError(message: "line \(line) ends inside an escape") }
                        let escaped = bytes[index]
                        index += 1
                        switch escaped {
                        case UInt8(ascii: "t"): current.append(UInt8(ascii: "\t"))
                        case UInt8(ascii: "n"): current.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "r"): current.append(UInt8(ascii: "\r"))
                        case UInt8(ascii: "\\"): current.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "N") where current.isEmpty: isNull = true
                        default: throw FormatError(message: "line \(line) has an unknown escape '\\\(Unicode.Scalar(escaped))'")
                        }
                    } else {
                        current.append(byte)
                    }
                }
                holdings.append(try holding(fields, line: line))
                line += 1
            }
            return holdings
        }
    }

    private static func holding(_ fields: [String?], line: Int) throws -> Holding {
        guard fields.count == columns else {
            throw FormatError(message: "line \(line) has \(fields.count) fields, expected \(columns)")
        }
        func required(_ index: Int, _ name: String) throws -> String {
            guard let value = fields[index] else { throw FormatError(message: "line \(line) has no \(name)") }
            return value
        }
        func decimal(_ index: Int, _ name: String) throws -> Decimal? {
            guard let text = fields[index] else { return nil }
            guard let value = Decimal(exactText: text) else {
                throw FormatError(message: "line \(line): \(name) must be a decimal number such as 1234.50, got '\(text.prefix(40))'")
            }
            return value
        }
        let assetText = try required(3, "assetType")
        guard let assetType = AssetType(rawValue: assetText) else {
            throw FormatError(
                message:
                    "line \(line): assetType '\(assetText.prefix(20))' is not one of \(AssetType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let quantity = try decimal(4, "quantity"), let averagePrice = try decimal(5, "averagePrice"),
            let costValue = try decimal(8, "costValue")
        else { throw FormatError(message: "line \(line) lacks a quantity, average price or cost value") }
        var split: HeldQuantity?
        switch (try decimal(10, "free"), try decimal(11, "unsettled"), try decimal(12, "pledged")) {
        case (nil, nil, nil): split = nil
        case (let free?, let unsettled?, let pledged?): split = HeldQuantity(free: free, unsettled: unsettled, pledged: pledged)
        default: throw FormatError(message: "line \(line) has part of a quantity split; free, unsettled and pledged come together")
        }
        var lot: HoldingLot?
        if let text = fields[13] {
            guard let value = HoldingLot(rawValue: text) else {
                throw FormatError(
                    message: "line \(line): lot '\(text.prefix(20))' is not one of \(HoldingLot.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            lot = value
        }
        return Holding(
            symbol: try required(0, "symbol"),
            exchange: fields[1],
            isin: fields[2],
            assetType: assetType,
            quantity: quantity,
            averagePrice: averagePrice,
            lastPrice: try decimal(6, "lastPrice"),
            currency: try required(7, "currency"),
            costValue: costValue,
            marketValue: try decimal(9, "marketValue"),
            split: split,
            lot: lot,
            multiplier: try decimal(14, "multiplier"),
            meta: fields[15].map(RawJSON.init(text:))
        )
    }

    private static func append(_ value: String?, to bytes: inout [UInt8], last: Bool = false) {
        if let value {
            var value = value
            value.withUTF8 { utf8 in
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                    case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                    case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                    case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                    default: bytes.append(byte)
                    }
                }
            }
        } else {
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
        }
        if !last { bytes.append(UInt8(ascii: "\t")) }
    }
}
