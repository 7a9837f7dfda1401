import Brokers
import Contracts
import CurlClient
import Foundation
import Testing

/// Vested statements (`Fixtures/vested`, see its README): CSV as Excel and people write it, every problem with its line.
@Suite("Vested statements")
struct VestedStatementTests {
    static func problems(_ csv: String) -> [String] {
        do {
            _ = try StatementImport.statement(from: csv)
            return []
        } catch let error as StatementProblems {
            return error.lines
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("a statement saved by Excel (byte-order mark, CRLF, quoted fields) is read whole")
    func excel() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let bytes = try Data(contentsOf: folder.appendingPathComponent("vested/statement_excel.csv"))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "the fixture keeps Excel's byte-order mark")
        // Decoded as the CLI sends it: the mark stays in the text.
        let csv = String(decoding: bytes, as: UTF8.self)
        #expect(csv.hasPrefix("\u{FEFF}") && csv.contains("\r\n"))
        let holdings = try StatementImport.holdings(from: csv)
        #expect(holdings.map(\.symbol) == ["AAPL", "BRK.B", "VOO"])
        #expect(holdings[0].currency == "USD" && holdings[0].quantity == Decimal(string: "2.5")! && holdings[0].exchange == "NASDAQ")
        #expect(holdings[1].lastPrice == nil && holdings[1].isin == "US0846707026" && holdings[1].assetType == .stock)
        #expect(holdings[2].assetType == .etf && holdings[2].averagePrice == Decimal(string: "410.50")! && holdings[2].exchange == nil)
    }

    @Test("a quoted line break stays in its field and the lines after it are numbered as the file's")
    func quotedNewline() throws {
        let csv = try FixtureBroker.fixture("vested/statement_quoted_newline.csv")
        #expect(Self.problems(csv) == ["line 5: quantity must be a decimal number such as 1234.50, got 'x'"])
        let fixed = csv.replacingOccurrences(of: "GOOG,x", with: "GOOG,4")
        let holdings = try StatementImport.holdings(from: fixed)
        #expect(holdings.map(\.symbol) == ["AAPL", "MSFT", "GOOG"] && holdings[0].isin?.hasPrefix("US0378331005\n") == true)
        #expect(holdings[2].meta?.text.contains(#""line":5"#) == true)
    }

    @Test("a symbol listed twice on one exchange is refused, naming both lines")
    func duplicates() throws {
        #expect(
            Self.problems(try FixtureBroker.fixture("vested/statement_duplicates.csv")) == [
                "line 4: symbol 'AAPL' on NASDAQ is already on line 2; a statement lists each holding once",
                "line 5: symbol 'aapl' on NASDAQ is already on line 2; a statement lists each holding once",
            ])
        let otherExchange = "symbol,quantity,average_price,currency,exchange\nRELIANCE,1,1,INR,NSE\nRELIANCE,1,1,INR,BSE\n"
        #expect(try StatementImport.holdings(from: otherExchange).count == 2)
    }

    @Test("transactions in a statement: record column, kinds, signed amounts, ISO dates; the adapter returns both parts")
    func transactions() throws {
        let csv = try FixtureBroker.fixture("vested/statement_transactions.csv")
        let statement = try VestedAdapter(environment: BrokerEnvironment(baseURL: "", http: HTTPClient())).statement(csv, asOf: Date())
        #expect(statement.holdings.map(\.symbol) == ["AAPL"] && statement.holdings[0].exchange == "NASDAQ")
        let transactions = statement.transactions
        #expect(transactions.map(\.externalID) == ["V-1001", "V-1002", "V-1003", "V-1004"])
        #expect(transactions.map(\.kind) == [.buy, .dividend, .withholdingTax, .fee])
        #expect(transactions.map(\.amount) == [-300, Decimal(string: "0.48")!, Decimal(string: "-0.12")!, Decimal(string: "-1.50")!])
        #expect(transactions[0].quantity == 2 && transactions[0].price == 150 && transactions[3].symbol == nil)
        #expect(ISO8601.format(transactions[1].occurredAt) == "2026-11-20T00:00:00.000Z")
        #expect(ISO8601.format(transactions[3].occurredAt) == "2026-11-21T10:00:00.000Z")
    }

    @Test("bad transaction rows are reported with their lines; nothing is returned")
    func badTransactions() {
        let csv = """
            record,id,date,kind,symbol,amount,currency
            transaction,T1,2026-11-02,dividend,AAPL,1,USD
            transaction,T1,2026-11-03,dividend,AAPL,1,USD
            transaction,,yesterday,gift,AAPL,1,USD
            bonus,T9,2026-11-02,buy,AAPL,1,USD
            """
        #expect(
            Self.problems(csv) == [
                "line 3: transaction id 'T1' is already on line 2",
                "line 4: id is empty; a transaction needs the id Vested gave it",
                "line 4: date must be yyyy-mm-dd or an ISO 8601 time in 1900...2200, got 'yesterday'",
                "line 4: kind 'gift' is not one of \(TransactionKind.allCases.map(\.rawValue).joined(separator: ", "))",
                "line 5: record must be holding or transaction, got 'bonus'",
            ])
    }

    @Test("holding rows are validated row by row with line numbers; the header is checked first")
    func holdingRows() {
        let bad = """
            symbol,quantity,average_price,currency
            AAPL,two,150,USD
            ,1,1,USD
            MSFT,1,1,DOLLARS
            TSLA,1
            NFLX,-1,1,USD
            """
        #expect(
            Self.problems(bad) == [
                "line 2: quantity must be a decimal number such as 1234.50, got 'two'",
                "line 3: symbol is empty",
                "line 4: currency must be a 3-letter code such as USD, got 'DOLLARS'",
                "line 5: 2 fields, expected 4",
                "line 6: quantity must be positive, got -1",
            ])
        #expect(
            Self.problems("ticker,qty\nA,1").first
                == "line 1: unknown column 'ticker' (known: \(["record", "symbol", "quantity", "average_price", "currency", "isin", "exchange", "asset_type", "last_price", "id", "date", "kind", "price", "amount"].joined(separator: ", ")))"
        )
        #expect(Self.problems("") == ["the statement is empty; the first line must name the columns"])
        #expect(Self.problems("symbol,quantity,average_price,currency\nA\"B,1,1,USD\n").first?.hasPrefix("line 2: not valid CSV") == true)
    }

    @Test("a byte-order mark before the header is not part of the first column's name")
    func byteOrderMark() throws {
        // Before SwiftCSV the header read as "\u{FEFF}symbol" and failed as "unknown column 'symbol'".
        let holdings = try StatementImport.holdings(from: "\u{FEFF}symbol,quantity,average_price,currency\r\nAAPL,1,1,USD\r\n")
        #expect(holdings.map(\.symbol) == ["AAPL"])
    }
}
