import ExactDecimal
public import FoundationEssentials

/// Maps exact values (money, quantities, seconds) onto a chart's pixels with decimal arithmetic: no value passes
/// through a binary floating point on its way to the screen, and every position is rounded to hundredths of a pixel.
///
/// ```swift
/// let y = ChartScale(values: [100, 250], from: 200, to: 20)   // larger values higher up
/// y.position(175)   // 110
/// ```
public struct ChartScale: Sendable, Equatable {
    /// The smallest and largest value shown.
    public let low: Decimal
    public let high: Decimal
    /// The pixel of `low` and of `high` (`to` below `from` puts larger values higher up, as on a y axis).
    public let from: Decimal
    public let to: Decimal

    /// A scale over the values given; a single value (or none) gets a span of one around it, so it sits in the middle.
    public init(values: [Decimal], from: Decimal, to: Decimal) {
        var low = values.min() ?? 0
        var high = values.max() ?? 0
        if low == high {
            low -= 1
            high += 1
        }
        self.low = low
        self.high = high
        self.from = from
        self.to = to
    }

    /// The pixel of `value`, rounded to two decimals; values outside the domain are clamped to its ends.
    public func position(_ value: Decimal) -> Decimal {
        let clamped = min(max(value, low), high)
        return (from + (clamped - low) * (to - from) / (high - low)).rounded(2)
    }

    /// `count` values evenly spaced from `low` to `high` (both included), for the axis labels.
    public func ticks(_ count: Int) -> [Decimal] {
        guard count > 1 else { return [low] }
        let step = (high - low) / Decimal(count - 1)
        return (0..<count).map { index in index == count - 1 ? high : low + step * Decimal(index) }
    }
}
