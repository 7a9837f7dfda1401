import ExactDecimal
import SandboxData

/// A simulated position with its numbers already as exact text and as `Micros`, so each broker
/// format writes and derives figures without converting a `Decimal` again.
struct PricedPosition: Sendable {
    /// The position as `SimulatedPortfolio` computed it.
    let position: SimulatedPortfolio.Position
    /// `position.quantity.exactText`, and so on for the prices.
    let quantityText: String
    let averagePriceText: String
    let lastPriceText: String
    let closePriceText: String

    /// Prices `position`.
    init(_ position: SimulatedPortfolio.Position) {
        self.position = position
        quantityText = position.quantity.exactText
        averagePriceText = position.averagePrice.exactText
        lastPriceText = position.lastPrice.exactText
        closePriceText = position.closePrice.exactText
    }

    var quantity: Micros { Micros(text: quantityText) ?? .zero }
    var averagePrice: Micros { Micros(text: averagePriceText) ?? .zero }
    var lastPrice: Micros { Micros(text: lastPriceText) ?? .zero }
    var closePrice: Micros { Micros(text: closePriceText) ?? .zero }

    /// Unrealised profit: (last − average) × quantity.
    var pnl: Micros { (lastPrice - averagePrice) * quantity }
    /// last − close.
    var dayChange: Micros { lastPrice - closePrice }
    /// The day change as a percentage of the close, six decimals.
    var dayChangePercentageText: String { Micros.ratioText(dayChange * Micros(value: 100 * Micros.scale), closePrice, places: 6) }
}
