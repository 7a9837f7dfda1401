import Contracts
import ExactDecimal
import FoundationEssentials

/// The rows of one statement, checked one by one: what they hold, and every problem with its line.
struct StatementRows {
    let columns: [String]
    var holdings: [Holding] = []
    var transactions: [BrokerTransaction] = []
    var problems: [String] = []
    /// Where each holding (symbol and exchange) and each transaction id was first seen.
    private var holdingLines: [String: Int] = [:]
    private var transactionLines: [String: Int] = [:]

    init(columns: [String]) {
        self.columns = columns
    }

    mutating func read(line: Int, values: [String]) {
        var row: [String: String] = [:]
        for (name, value) in zip(columns, values) { row[name] = value.trimmingCharacters(in: " ") }
        switch (row["record"] ?? "").lowercased() {
        case "", "holding": holding(line, row)
        case "transaction": transaction(line, row)
        case let other: problems.append("line \(line): record must be holding or transaction, got '\(other.prefix(20))'")
        }
    }

    private mutating func decimal(_ line: Int, _ row: [String: String], _ name: String, required: Bool = false) -> Decimal? {
        guard let text = row[name], !text.isEmpty else {
            if required { problems.append("line \(line): \(name) is empty") }
            return nil
        }
        switch BrokerNumber.decimal(text) {
        case .success(let value): return value
        case .failure(let problem):
            let detail = problem.isMalformed ? "" : " (it \(problem))"
            problems.append("line \(line): \(name) must be a decimal number such as 1234.50, got '\(text.prefix(30))'\(detail)")
            return nil
        }
    }

    private mutating func currency(_ line: Int, _ row: [String: String]) -> String? {
        let currency = (row["currency"] ?? "").uppercased()
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            problems.append("line \(line): currency must be a 3-letter code such as USD, got '\(currency.prefix(10))'")
            return nil
        }
        return currency
    }

    private static func text(_ row: [String: String], _ name: String) -> String? {
        row[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func meta(_ row: [String: String], line: Int) -> RawJSON? {
        try? RawJSON(.object(row.mapValues { .string($0) }.merging(["line": .number(Decimal(line))]) { value, _ in value }))
    }

    private mutating func holding(_ line: Int, _ row: [String: String]) {
        let symbol = row["symbol"] ?? ""
        if symbol.isEmpty { problems.append("line \(line): symbol is empty") }
        let currency = currency(line, row)
        let assetText = Self.text(row, "asset_type")?.lowercased() ?? "stock"
        let assetType = AssetType(rawValue: assetText)
        if assetType == nil {
            problems.append(
                "line \(line): asset_type '\(assetText.prefix(20))' is not one of \(AssetType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let quantity = decimal(line, row, "quantity", required: true)
        let average = decimal(line, row, "average_price", required: true)
        let last = decimal(line, row, "last_price")
        if let quantity, quantity <= 0 { problems.append("line \(line): quantity must be positive, got \(quantity.exactText)") }
        if let average, average < 0 { problems.append("line \(line): average_price must not be negative") }
        let exchange = Self.text(row, "exchange")
        let key = symbol.uppercased() + "\u{0}" + (exchange?.uppercased() ?? "")
        if !symbol.isEmpty {
            if let first = holdingLines[key] {
                let place = exchange.map { " on \($0.prefix(20))" } ?? ""
                problems.append(
                    "line \(line): symbol '\(symbol.prefix(40))'\(place) is already on line \(first); a statement lists each holding once")
            } else {
                holdingLines[key] = line
            }
        }
        guard let quantity, let average, let assetType, let currency, !symbol.isEmpty else { return }
        holdings.append(
            Holding(
                symbol: symbol, exchange: exchange, isin: Self.text(row, "isin"), assetType: assetType, quantity: quantity,
                averagePrice: average, lastPrice: last, currency: currency, meta: Self.meta(row, line: line)))
    }

    private mutating func transaction(_ line: Int, _ row: [String: String]) {
        let id = row["id"] ?? ""
        if id.isEmpty {
            problems.append("line \(line): id is empty; a transaction needs the id Vested gave it")
        } else if let first = transactionLines[id] {
            problems.append("line \(line): transaction id '\(id.prefix(40))' is already on line \(first)")
        } else {
            transactionLines[id] = line
        }
        let dateText = row["date"] ?? ""
        let date = BrokerTime.parseISO8601(dateText) ?? (dateText.utf8.count == 10 ? BrokerTime.parseISO8601(dateText + "T00:00:00Z") : nil)
        if date == nil {
            problems.append("line \(line): date must be yyyy-mm-dd or an ISO 8601 time in \(TimeBounds.years), got '\(dateText.prefix(30))'")
        }
        let kindText = (row["kind"] ?? "").lowercased()
        let kind = TransactionKind(rawValue: kindText)
        if kind == nil {
            problems.append(
                "line \(line): kind '\(kindText.prefix(20))' is not one of \(TransactionKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let currency = currency(line, row)
        let quantity = decimal(line, row, "quantity")
        let price = decimal(line, row, "price")
        let amount = decimal(line, row, "amount")
        guard !id.isEmpty, let date, let kind, let currency else { return }
        transactions.append(
            BrokerTransaction(
                externalID: id, kind: kind, symbol: Self.text(row, "symbol"), exchange: nil, isin: nil, quantity: quantity, price: price,
                amount: amount ?? quantity.flatMap { quantity in price.map { quantity * $0 } }, currency: currency, occurredAt: date,
                meta: Self.meta(row, line: line)))
    }
}
