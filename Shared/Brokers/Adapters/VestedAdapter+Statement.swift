public import Contracts
import SwiftCSV

/// A Vested statement as CSV (RFC 4180, read by SwiftCSV: a UTF-8 byte-order mark as Excel writes it, quoted fields with
/// commas, quotes or line breaks, CRLF or LF line ends), validated row by row. Nothing is stored unless every row is valid.
///
/// Columns (header required, any order, names case-insensitive; unknown ones refused):
/// - `record`: `holding` (the default when the column or the value is absent) or `transaction`.
/// - holding rows: `symbol`, `quantity` (positive), `average_price`, `currency` required; `isin`, `exchange`,
///   `asset_type` (stock, etf, mutual_fund, bond, crypto, cash, option, future, other; default stock), `last_price`.
///   A symbol (on one exchange) appears once.
/// - transaction rows: `id` (unique in the statement, the transaction's id at Vested), `date` (`yyyy-mm-dd` or ISO 8601),
///   `kind` (buy, sell, dividend, withholding_tax, fee, interest, deposit, withdrawal, split, spin_off, merger, transfer,
///   journal, other), `currency` required; `symbol`, `quantity`, `price`, `amount` (signed: money out is negative).
///
/// Decimals are plain (`1234.50`). Errors name the line (a quoted line break counts) and the column.
public enum StatementImport {
    public typealias Problems = StatementProblems

    static let holdingColumns = ["symbol", "quantity", "average_price", "currency", "isin", "exchange", "asset_type", "last_price"]
    static let transactionColumns = ["id", "date", "kind", "symbol", "quantity", "price", "amount", "currency"]
    static let known = ["record"] + holdingColumns + transactionColumns.filter { !holdingColumns.contains($0) }

    /// The holdings in `csv`, or every problem found.
    public static func holdings(from csv: String) throws -> [Holding] {
        try statement(from: csv).holdings
    }

    /// The holdings and transactions in `csv`, or every problem found.
    public static func statement(from csv: String) throws -> Statement {
        let (header, rows) = try read(csv)
        let columns = header.map { $0.lowercased().trimmingCharacters(in: " ") }
        var problems: [String] = []
        for name in columns where !known.contains(name) {
            problems.append("line 1: unknown column '\(name.prefix(40))' (known: \(known.joined(separator: ", ")))")
        }
        for (index, name) in columns.enumerated() where columns[..<index].contains(name) {
            problems.append("line 1: the column '\(name.prefix(40))' appears twice")
        }
        let hasRecord = columns.contains("record")
        let required = hasRecord ? ["currency"] : ["symbol", "quantity", "average_price", "currency"]
        for name in required where !columns.contains(name) { problems.append("line 1: the header has no '\(name)' column") }
        guard problems.isEmpty else { throw Problems(lines: problems) }

        var reader = StatementRows(columns: columns)
        for (line, values) in rows {
            if values.allSatisfy({ $0.trimmingCharacters(in: " ").isEmpty }) { continue }
            guard values.count == columns.count else {
                reader.problems.append("line \(line): \(values.count) fields, expected \(columns.count)")
                continue
            }
            reader.read(line: line, values: values)
        }
        guard reader.problems.isEmpty else { throw Problems(lines: reader.problems) }
        return Statement(holdings: reader.holdings, transactions: reader.transactions)
    }

    /// The header and every row with the line it starts on (a quoted line break moves the next row down a line).
    static func read(_ csv: String) throws -> (header: [String], rows: [(line: Int, values: [String])]) {
        let file: CSV<Enumerated>
        do {
            file = try CSV<Enumerated>(string: csv, delimiter: .comma, loadColumns: false, rowLimit: 0)
        } catch {
            throw Problems(lines: ["line 1: the header is not valid CSV (\(Self.describe(error)))"])
        }
        guard !file.header.isEmpty, !(file.header.count == 1 && file.header[0].trimmingCharacters(in: " ").isEmpty) else {
            throw Problems(lines: ["the statement is empty; the first line must name the columns"])
        }
        var rows: [(line: Int, values: [String])] = []
        var line = 1 + lineBreaks(in: file.header) + 1
        do {
            try file.enumerateAsArray(startAt: 1, rowLimit: nil) { values in
                rows.append((line, values))
                line += 1 + lineBreaks(in: values)
            }
        } catch {
            throw Problems(lines: ["line \(line): not valid CSV (\(Self.describe(error)))"])
        }
        return (file.header, rows)
    }

    static func lineBreaks(in fields: [String]) -> Int {
        fields.reduce(0) { count, field in count + field.reduce(0) { $0 + ($1.isNewline ? 1 : 0) } }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? CSVParseError {
        case .quotation?: "a double quote inside a field must be doubled and a quoted field must end in a quote"
        default: "it cannot be split into fields"
        }
    }
}
