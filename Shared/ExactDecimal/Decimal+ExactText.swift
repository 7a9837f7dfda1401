public import FoundationEssentials

/// Exact decimal text ⇄ `Decimal`, fast: money and quantities cross the wire and reach Postgres as
/// text many times per holding, and Foundation's parser and formatter dominate those paths.
///
/// The fast paths read and build `Decimal` through its 20-byte in-memory layout. That layout is
/// not a public API, so it is checked once against Foundation's own parser and formatter; if it
/// ever differs, every call falls back to Foundation.
///
/// ```swift
/// let price = Decimal(exactText: "1234.50")!   // 1234.5
/// price.exactText                               // "1234.5"
/// ```
extension Decimal {
    /// Parses plain decimal text (`-12.50`, `+3`, `.5`); `nil` for exponents, letters or more than 38 digits.
    public init?(exactText text: String) {
        var text = text
        let parsed: Decimal?? = text.withUTF8 { bytes in
            guard DecimalLayout.verified, let fast = DecimalLayout.parse(bytes) else { return nil }
            return .some(fast)
        }
        if let parsed {
            guard let parsed else { return nil }
            self = parsed
            return
        }
        guard DecimalLayout.isPlainDecimal(text), let value = Decimal(string: text) else { return nil }
        self = value
    }

    /// Plain text without exponent (`1234.5`, `-0.001`), exact.
    public var exactText: String {
        guard DecimalLayout.verified, let text = DecimalLayout.format(self) else { return isNaN ? "NaN" : description }
        return text
    }
}

/// The `Decimal` memory layout: byte 0 the exponent, byte 1 length (high nibble), negative (bit 3)
/// and compact (bit 2) flags, bytes 4-19 the 128-bit mantissa as little-endian 16-bit words.
enum DecimalLayout {
    /// Whether the layout matches this Foundation (checked against its own parser and formatter).
    static let verified: Bool = {
        guard MemoryLayout<Decimal>.size == 20 else { return false }
        let samples = [
            "0", "7", "-7", "0.1", "1234.56", "-1234.5600", "100", "0.000001", "12345678901234567890.5", "99999999999999999999999999999999999999",
            "-0.5", "1e2", "10.25",
        ]
        for sample in samples {
            guard let foundation = Decimal(string: sample) else { return false }
            guard format(foundation) == foundation.description else { return false }
            if isPlainDecimal(sample) {
                var text = sample
                guard let fast = text.withUTF8({ parse($0) }), fast == foundation, format(fast) == foundation.description else { return false }
            }
        }
        return true
    }()

    static func isPlainDecimal(_ text: String) -> Bool {
        var digits = 0
        var dots = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if index != 0 { return false }
            default: return false
            }
        }
        return digits > 0 && digits <= 38 && dots <= 1
    }

    /// Parses up to 38 digits into a `Decimal` directly; `nil` if the text is not plain decimal.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Decimal? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt128 = 0
        var digits = 0
        var significant = 0
        var scale = 0
        var seenDot = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                digits += 1
                if mantissa != 0 || byte != UInt8(ascii: "0") { significant += 1 }
                if significant > 38 { return nil }
                mantissa = mantissa * 10 + UInt128(byte - UInt8(ascii: "0"))
                if seenDot { scale += 1 }
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0, scale <= 127 else { return nil }
        return make(mantissa: mantissa, exponent: -scale, negative: negative)
    }

    /// Builds a normalised `Decimal` (no trailing zeros in the mantissa), as Foundation's parser does.
    static func make(mantissa: UInt128, exponent: Int, negative: Bool) -> Decimal {
        var mantissa = mantissa
        var exponent = exponent
        if mantissa == 0 { return Decimal() }
        if mantissa <= UInt64.max {
            var small = UInt64(mantissa)
            while small % 10 == 0, exponent < 127 {
                small /= 10
                exponent += 1
            }
            mantissa = UInt128(small)
        } else {
            while mantissa % 10 == 0, exponent < 127 {
                mantissa /= 10
                exponent += 1
            }
        }
        var result = Decimal()
        withUnsafeMutableBytes(of: &result) { raw in
            var words = 0
            var rest = mantissa
            while rest != 0 {
                raw[4 + words * 2] = UInt8(truncatingIfNeeded: rest)
                raw[5 + words * 2] = UInt8(truncatingIfNeeded: rest >> 8)
                rest >>= 16
                words += 1
            }
            raw[0] = UInt8(bitPattern: Int8(exponent))
            raw[1] = UInt8(words) << 4 | (negative ? 0x08 : 0) | 0x04
        }
        return result
    }

    /// Formats as Foundation's `description` does; `nil` for NaN.
    static func format(_ decimal: Decimal) -> String? {
        var value = decimal
        let (exponent, length, negative, mantissa) = withUnsafeBytes(of: &value) { raw -> (Int, Int, Bool, UInt128) in
            var mantissa: UInt128 = 0
            let length = Int(raw[1] >> 4)
            for word in stride(from: 7, through: 0, by: -1) {
                mantissa = mantissa << 16 | UInt128(raw[4 + word * 2]) | UInt128(raw[5 + word * 2]) << 8
            }
            return (Int(Int8(bitPattern: raw[0])), length, raw[1] & 0x08 != 0, mantissa)
        }
        if length == 0 { return negative ? nil : "0" }
        var digits = Array(String(mantissa).utf8)
        var text: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if exponent >= 0 {
            text += digits
            text += [UInt8](repeating: UInt8(ascii: "0"), count: exponent)
        } else {
            let scale = -exponent
            if digits.count <= scale {
                digits = [UInt8](repeating: UInt8(ascii: "0"), count: scale - digits.count + 1) + digits
            }
            text += digits[..<(digits.count - scale)]
            text.append(UInt8(ascii: "."))
            text += digits[(digits.count - scale)...]
        }
        return String(decoding: text, as: UTF8.self)
    }
}
