public import FoundationEssentials

extension Decimal {
    /// This value rounded half away from zero to `scale` (0 or more) decimal places, for showing to a person
    /// (`-629.2999999999993` → `-629.3`). Works on the exact text, so it never goes through `Double`.
    public func rounded(_ scale: Int) -> Decimal {
        guard !isNaN else { return self }
        let text = exactText
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? Array(parts[1].utf8) : []
        guard fraction.count > max(scale, 0) else { return self }
        var digits = Array(parts[0].utf8) + fraction.prefix(max(scale, 0))
        if fraction[max(scale, 0)] >= UInt8(ascii: "5") {
            var index = digits.count - 1
            while index >= 0 {
                if digits[index] == UInt8(ascii: "9") {
                    digits[index] = UInt8(ascii: "0")
                    index -= 1
                } else {
                    digits[index] += 1
                    break
                }
            }
            if index < 0 { digits.insert(UInt8(ascii: "1"), at: 0) }
        }
        let whole = String(decoding: digits.prefix(digits.count - max(scale, 0)), as: UTF8.self)
        let decimals = String(decoding: digits.suffix(max(scale, 0)), as: UTF8.self)
        let rounded = (negative ? "-" : "") + whole + (decimals.isEmpty ? "" : "." + decimals)
        return Decimal(exactText: rounded) ?? Decimal(string: rounded) ?? self
    }
}
