import ExactDecimal
import FoundationEssentials

/// The numbers we accept from a broker, checked on their text before Foundation reads them.
///
/// Foundation's `Decimal` holds 38 digits times a power of ten in -128...127, and its arithmetic is
/// unsafe at the edges (swift-foundation on Linux, Swift 6.3; pinned in `FoundationEdgeTests`): a
/// product whose exponent falls below -128 traps the process (`1e-70 * 1e-70`), one above 127 is
/// NaN (`1e100 * 1e28`), `JSONDecoder` silently rounds away a 39th digit, and `1e400` or a
/// 5,000-digit integer fail as "not valid JSON". No price or quantity needs any of that, so a broker
/// number may have at most 38 significant digits, a magnitude below 10^30 and no digit finer than
/// 10^-30: then a product of two (cost = quantity × price) and sums of millions of them stay far
/// inside what `Decimal` holds exactly. Anything else is the broker's error.
enum BrokerNumber {
    static let maximumSignificantDigits = 38
    /// Every value is below 10^magnitudeLimit.
    static let magnitudeLimit = 30
    /// No digit is finer than 10^-scaleLimit.
    static let scaleLimit = 30
    /// Digits a number's text may have at all, zeros included.
    static let maximumDigits = 64

    /// Why the number `text` (JSON number grammar, or a plain decimal) is unacceptable, or `nil`.
    static func problem(_ text: some Collection<UInt8>) -> String? {
        var digits = 0
        var integerDigits = 0
        var first: Int?
        var last = 0
        var inFraction = false
        var inExponent = false
        var exponentDigits = 0
        var exponent = 0
        var exponentNegative = false
        var previous: UInt8 = 0
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9") where inExponent:
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
                exponentDigits += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if byte != UInt8(ascii: "0") {
                    if first == nil { first = digits }
                    last = digits
                }
                digits += 1
                if !inFraction { integerDigits += 1 }
            case UInt8(ascii: ".") where !inFraction && !inExponent:
                inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard !inExponent, digits > 0 else { return notANumber }
                inExponent = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                if inExponent, previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") {
                    exponentNegative = byte == UInt8(ascii: "-")
                } else if previous != 0 {
                    return notANumber
                }
            default:
                return notANumber
            }
            previous = byte
        }
        guard digits > 0, !inExponent || exponentDigits > 0 else { return notANumber }
        if digits > maximumDigits { return "has \(digits) digits, more than \(maximumDigits)" }
        guard let first else { return nil }
        if last - first + 1 > maximumSignificantDigits { return "has more than \(maximumSignificantDigits) significant digits" }
        let power = exponentNegative ? -exponent : exponent
        if integerDigits - 1 - first + power >= magnitudeLimit { return "is out of range (10^\(magnitudeLimit) or more)" }
        if integerDigits - 1 - last + power < -scaleLimit { return "is out of range (a digit finer than 10^-\(scaleLimit))" }
        return nil
    }

    /// A plain decimal string (`"-12.50"`) within the limits, or why not.
    static func decimal(_ text: String) -> Result<Decimal, Problem> {
        if let problem = problem(text.utf8), problem != notANumber { return .failure(Problem(description: problem, isMalformed: false)) }
        guard let value = Decimal(exactText: text) else { return .failure(Problem(description: "is not a decimal number", isMalformed: true)) }
        return .success(value)
    }

    static let notANumber = "is not a number"

    /// Why a number was refused, as the end of a sentence naming it ("… has more than 38 significant digits").
    struct Problem: Error, CustomStringConvertible {
        let description: String
        /// Not a number at all, rather than one out of range.
        let isMalformed: Bool
    }
}
