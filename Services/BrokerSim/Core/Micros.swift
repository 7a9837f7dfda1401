/// A fixed-point number in millionths, for the figures brokers derive from a position (P&L, day change,
/// percentages): exact for the simulator's values and far cheaper than `Decimal` arithmetic.
struct Micros: Sendable, Equatable, Comparable {
    /// The value × 10⁶.
    var value: Int128

    static let scale: Int128 = 1_000_000
    static let zero = Micros(value: 0)

    init(value: Int128) {
        self.value = value
    }

    /// Parses plain decimal text (`-12.5`, `801.78125`); digits past the sixth decimal are dropped.
    init?(text: String) {
        var whole: Int128 = 0
        var fraction: Int128 = 0
        var fractionDigits = 0
        var negative = false
        var seenDot = false
        var digits = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: "."):
                if seenDot { return nil }
                seenDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                let digit = Int128(byte - UInt8(ascii: "0"))
                if !seenDot {
                    guard whole < Int128(Int64.max) else { return nil }
                    whole = whole * 10 + digit
                } else if fractionDigits < 6 {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                }
            default: return nil
            }
        }
        guard digits > 0 else { return nil }
        for _ in fractionDigits..<6 { fraction *= 10 }
        value = (whole * Self.scale + fraction) * (negative ? -1 : 1)
    }

    static func + (lhs: Micros, rhs: Micros) -> Micros { Micros(value: lhs.value + rhs.value) }
    static func - (lhs: Micros, rhs: Micros) -> Micros { Micros(value: lhs.value - rhs.value) }
    static prefix func - (operand: Micros) -> Micros { Micros(value: -operand.value) }
    static func < (lhs: Micros, rhs: Micros) -> Bool { lhs.value < rhs.value }

    /// The product, exact while it needs at most six decimals (prices × quantities here need four).
    static func * (lhs: Micros, rhs: Micros) -> Micros { Micros(value: lhs.value * rhs.value / scale) }

    /// The shortest exact text: `801.78125`, `-3.95`, `100`, `0`.
    var text: String {
        let magnitude = value.magnitude
        let whole = magnitude / UInt128(Self.scale)
        var fraction = UInt64(magnitude % UInt128(Self.scale))
        var text = value < 0 ? "-" : ""
        text += whole <= UInt128(UInt64.max) ? String(UInt64(whole)) : String(whole)
        guard fraction != 0 else { return text }
        var width = 6
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        let digits = String(fraction)
        return text + "." + String(repeating: "0", count: width - digits.count) + digits
    }

    /// `numerator / denominator` as text with at most `places` decimals (0-18), rounded half away from zero; `0` if the denominator is 0.
    static func ratioText(_ numerator: Micros, _ denominator: Micros, places: Int) -> String {
        guard denominator.value != 0, (0...18).contains(places) else { return "0" }
        var factor: UInt128 = 1
        for _ in 0..<places { factor *= 10 }
        let divisor = denominator.value.magnitude
        var quotient = (numerator.value.magnitude * factor * 2 + divisor) / (divisor * 2)
        guard quotient != 0 else { return "0" }
        var decimals = places
        while decimals > 0, quotient % 10 == 0 {
            quotient /= 10
            decimals -= 1
        }
        var digits = String(quotient)
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (numerator.value < 0) != (denominator.value < 0) ? "-" + digits : digits
    }
}
