public import Contracts
import CurlClient
import ExactDecimal
public import FoundationEssentials

/// Vested has no public API (its trades clear through DriveWealth, whose API is for partners only).
/// Holdings come from statements instead: `psync import holdings --account N FILE.csv`, parsed by
/// `StatementImport` and stored through the same snapshot path. It is import-only: runs skip its
/// accounts (and count them as skipped) rather than queue jobs no gateway could do.
public struct VestedAdapter: BrokerAdapter {
    public static let broker = BrokerDescription(
        code: "VESTED", name: "Vested (statement import)", baseURLs: [:], credentialFields: [], capabilities: [.statementImport])
    static let noAPI = "VESTED has no public API; import a holdings statement with `psync import holdings --account ID FILE.csv`"

    public init(environment: BrokerEnvironment) {}

    public func holdings(_ credentials: BrokerCredentials) async throws -> HoldingsSnapshot {
        throw BrokerError.permanent(Self.noAPI)
    }

    public func verify(_ credentials: BrokerCredentials) async throws -> BrokerProfile {
        throw BrokerError.permanent(Self.noAPI)
    }

    public func statement(_ text: String, asOf: Date) throws -> Statement {
        Statement(holdings: try StatementImport.holdings(from: text))
    }
}

/// A holdings statement as CSV, validated row by row.
///
/// Columns (header required, in any order): `symbol`, `quantity`, `average_price`, `currency`
/// (required); `isin`, `exchange`, `asset_type` (stock, etf, mutual_fund, bond, crypto, cash, option,
/// future, other; default stock), `last_price` (optional). Decimals are plain (`1234.50`); fields may be
/// double-quoted. Errors name the line and column.
public enum StatementImport {
    public typealias Problems = StatementProblems

    static let required = ["symbol", "quantity", "average_price", "currency"]
    static let known = required + ["isin", "exchange", "asset_type", "last_price"]

    /// The holdings in `csv`, or every problem found.
    public static func holdings(from csv: String) throws -> [Holding] {
        var lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw Problems(lines: ["the statement is empty; the first line must name the columns"]) }
        let columns = fields(header).map { $0.lowercased().trimmingCharacters(in: " ") }
        var problems: [String] = []
        for name in required where !columns.contains(name) { problems.append("line 1: the header has no '\(name)' column") }
        for name in columns where !known.contains(name) {
            problems.append("line 1: unknown column '\(name.prefix(40))' (known: \(known.joined(separator: ", ")))")
        }
        guard problems.isEmpty else { throw Problems(lines: problems) }
        var holdings: [Holding] = []
        for (offset, line) in lines.dropFirst().enumerated() where !line.trimmingCharacters(in: " ").isEmpty {
            let number = offset + 2
            let values = fields(line)
            guard values.count == columns.count else {
                problems.append("line \(number): \(values.count) fields, expected \(columns.count)")
                continue
            }
            var row: [String: String] = [:]
            for (name, value) in zip(columns, values) { row[name] = value.trimmingCharacters(in: " ") }
            func decimal(_ name: String) -> Decimal? {
                guard let text = row[name], !text.isEmpty else { return nil }
                switch BrokerNumber.decimal(text) {
                case .success(let value): return value
                case .failure(let problem):
                    let detail = problem.isMalformed ? "" : " (it \(problem))"
                    problems.append("line \(number): \(name) must be a decimal number such as 1234.50, got '\(text.prefix(30))'\(detail)")
                    return nil
                }
            }
            let symbol = row["symbol"] ?? ""
            if symbol.isEmpty { problems.append("line \(number): symbol is empty") }
            let currency = (row["currency"] ?? "").uppercased()
            if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
                problems.append("line \(number): currency must be a 3-letter code such as USD, got '\(currency.prefix(10))'")
            }
            let assetText = row["asset_type"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "stock"
            let assetType = AssetType(rawValue: assetText)
            if assetType == nil {
                problems.append(
                    "line \(number): asset_type '\(assetText.prefix(20))' is not one of \(AssetType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let quantity = decimal("quantity")
            let average = decimal("average_price")
            let last = decimal("last_price")
            if row["quantity"]?.isEmpty ?? true { problems.append("line \(number): quantity is empty") }
            if row["average_price"]?.isEmpty ?? true { problems.append("line \(number): average_price is empty") }
            if let quantity, quantity <= 0 { problems.append("line \(number): quantity must be positive, got \(quantity.exactText)") }
            if let average, average < 0 { problems.append("line \(number): average_price must not be negative") }
            guard let quantity, let average, let assetType, !symbol.isEmpty else { continue }
            holdings.append(
                Holding(
                    symbol: symbol, exchange: row["exchange"].flatMap { $0.isEmpty ? nil : $0 }, isin: row["isin"].flatMap { $0.isEmpty ? nil : $0 },
                    assetType: assetType, quantity: quantity, averagePrice: average, lastPrice: last, currency: currency,
                    meta: try? RawJSON(.object(row.mapValues { .string($0) }.merging(["line": .number(Decimal(number))]) { value, _ in value }))
                )
            )
        }
        guard problems.isEmpty else { throw Problems(lines: problems) }
        return holdings
    }

    /// Splits one CSV line, honouring double quotes (`""` inside quotes is a quote).
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"" where quoted:
                var lookahead = iterator
                if lookahead.next() == "\"" {
                    current.append("\"")
                    iterator = lookahead
                } else {
                    quoted = false
                }
            case "\"" where current.isEmpty: quoted = true
            case "," where !quoted:
                fields.append(current)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
