import Contracts
import ExactDecimal
import Foundation
import Testing

@Suite("SnapshotDiff: bought, sold and changed positions between two snapshots")
struct SnapshotDiffTests {
    static func holding(
        _ symbol: String, exchange: String? = "NSE", type: AssetType = .stock, quantity: String, average: String = "100", last: String? = "110",
        split: (String, String, String)? = nil, lot: HoldingLot? = nil
    ) -> Holding {
        Holding(
            symbol: symbol, exchange: exchange, isin: nil, assetType: type, quantity: Decimal(exactText: quantity)!,
            averagePrice: Decimal(exactText: average)!, lastPrice: last.flatMap { Decimal(exactText: $0) }, currency: "INR",
            split: split.map {
                HeldQuantity(free: Decimal(exactText: $0.0)!, unsettled: Decimal(exactText: $0.1)!, pledged: Decimal(exactText: $0.2)!)
            },
            lot: lot)
    }

    @Test("a new symbol is bought, a gone one sold; price moves alone are not changes")
    func boughtAndSold() {
        let before = [Self.holding("INFY", quantity: "10"), Self.holding("TCS", quantity: "5")]
        let after = [Self.holding("INFY", quantity: "10", last: "150"), Self.holding("WIPRO", quantity: "7")]
        let diff = SnapshotDiff(before: before, after: after)
        #expect(diff.changes.map(\.kind) == [.bought, .sold])
        #expect(diff.changes(.bought).map(\.symbol) == ["WIPRO"] && diff.changes(.bought)[0].quantityChange == 7)
        #expect(diff.changes(.sold).map(\.symbol) == ["TCS"] && diff.changes(.sold)[0].quantityChange == -5)
        #expect(diff.unchanged == 1)
    }

    @Test("quantities compare as exact decimals: 10 and 10.00 are the same; 0.1 + 0.2 and 0.3 too")
    func exactQuantities() {
        let before = [Self.holding("INFY", quantity: "10"), Self.holding("MF1", type: .mutualFund, quantity: "0.3")]
        let after = [Self.holding("INFY", quantity: "10.00"), Self.holding("MF1", type: .mutualFund, quantity: "0.30")]
        #expect(SnapshotDiff(before: before, after: after).changes.isEmpty)
        let more = [Self.holding("INFY", quantity: "10.000001"), Self.holding("MF1", type: .mutualFund, quantity: "0.3")]
        let diff = SnapshotDiff(before: before, after: more)
        #expect(diff.changes.count == 1 && diff.changes[0].kind == .changed && diff.changes[0].quantityChanged)
        #expect(diff.changes[0].quantityChange.exactText == "0.000001")
    }

    @Test("same quantity with another split (T+1 settled, shares pledged) or another average price is a change")
    func splitAndAverage() {
        let before = [Self.holding("INFY", quantity: "12", split: ("8", "4", "0")), Self.holding("TCS", quantity: "5", average: "3000")]
        let after = [Self.holding("INFY", quantity: "12", split: ("6", "0", "6")), Self.holding("TCS", quantity: "5", average: "3100.5")]
        let diff = SnapshotDiff(before: before, after: after)
        #expect(diff.changes.map(\.symbol) == ["INFY", "TCS"])
        #expect(diff.changes[0].splitChanged && !diff.changes[0].quantityChanged && !diff.changes[0].averagePriceChanged)
        #expect(diff.changes[1].averagePriceChanged && !diff.changes[1].splitChanged && diff.changes[1].quantityChange == 0)
    }

    @Test("positions match by symbol, exchange, asset type and lot: the same symbol elsewhere or as an MTF lot is another position")
    func matching() {
        let before = [Self.holding("INFY", quantity: "10"), Self.holding("INFY", quantity: "15", lot: .mtf)]
        let after = [
            Self.holding("INFY", quantity: "10"), Self.holding("INFY", exchange: "BSE", quantity: "2"),
            Self.holding("INFY", type: .etf, quantity: "1"),
            Self.holding("INFY", quantity: "20", lot: .mtf),
        ]
        let diff = SnapshotDiff(before: before, after: after)
        #expect(diff.changes(.bought).map { "\($0.exchange ?? "") \($0.assetType.rawValue)" } == ["BSE stock", "NSE etf"])
        #expect(diff.changes(.changed).map(\.lot) == [.mtf] && diff.changes(.changed)[0].quantityChange == 5)
        #expect(diff.unchanged == 1 && diff.changes(.sold).isEmpty)
    }

    @Test("empty snapshots: everything bought, or everything sold, or nothing")
    func empty() {
        let some = [Self.holding("A", quantity: "1"), Self.holding("B", quantity: "2")]
        #expect(SnapshotDiff(before: [], after: some).changes.map(\.kind) == [.bought, .bought])
        #expect(SnapshotDiff(before: some, after: []).changes.map(\.kind) == [.sold, .sold])
        #expect(SnapshotDiff(before: [], after: []) == SnapshotDiff(changes: [], unchanged: 0))
    }
}

@Suite("ChartScale: exact values onto pixels")
struct ChartScaleTests {
    @Test("ends map to ends, the middle to the middle, in decimal arithmetic rounded to hundredths")
    func linear() {
        let y = ChartScale(values: [100, 250, 175], from: 200, to: 20)
        #expect(y.position(100) == 200 && y.position(250) == 20 && y.position(175) == 110)
        #expect(y.position(Decimal(exactText: "100.01")!) == Decimal(exactText: "199.99")!)
        let x = ChartScale(values: [0, 3], from: 0, to: 100)
        #expect(x.position(1) == Decimal(exactText: "33.33")! && x.position(2) == Decimal(exactText: "66.67")!)
    }

    @Test("values past the domain are clamped; one value (or none) sits in the middle of a span of one each side")
    func edges() {
        let y = ChartScale(values: [10, 20], from: 100, to: 0)
        #expect(y.position(-5) == 100 && y.position(99) == 0)
        let single = ChartScale(values: [Decimal(exactText: "12345678901234567890.12")!], from: 0, to: 200)
        #expect(single.position(Decimal(exactText: "12345678901234567890.12")!) == 100)
        #expect(ChartScale(values: [], from: 0, to: 10).position(0) == 5)
    }

    @Test("money beyond Double's precision keeps its place: amounts 1e-2 apart at 1e18 land on different pixels")
    func precision() {
        let low = Decimal(exactText: "1000000000000000000.00")!
        let high = Decimal(exactText: "1000000000000000000.02")!
        let scale = ChartScale(values: [low, high], from: 0, to: 200)
        #expect(scale.position(Decimal(exactText: "1000000000000000000.01")!) == 100)
    }

    @Test("ticks are evenly spaced and include both ends")
    func ticks() {
        let scale = ChartScale(values: [0, 100], from: 0, to: 1)
        #expect(scale.ticks(5) == [0, 25, 50, 75, 100])
        #expect(scale.ticks(1) == [0])
    }
}
