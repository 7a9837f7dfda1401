import Contracts
import ExactDecimal
import Foundation
import Testing

struct Filter: Codable, Equatable, Sendable {
    enum State: String, Codable, Sendable { case queued, running, failed }
    var accountID: Int
    var states: [State]
    var since: Date?
    var label: String?
    var includeHistory: Bool
    @DecimalString var minimum: Decimal
}

struct Priced: Codable, Equatable {
    var symbol: String
    @DecimalString var quantity: Decimal
    @DecimalString var lastPrice: Decimal?
}

@Suite("Wire contracts")
struct ContractsTests {
    @Test("query parameters round-trip a flat request, with types converted")
    func parameters() throws {
        let since = ISO8601.parse("2026-11-24T09:30:00.250Z")!
        let filter = Filter(
            accountID: 42, states: [.queued, .failed], since: since, label: "a&b c", includeHistory: true, minimum: Decimal(string: "10.50")!)
        let pairs = try ParameterEncoder().encode(filter)
        #expect(pairs.filter { $0.0 == "states" }.map(\.1) == ["queued", "failed"])
        #expect(!pairs.contains { $0.0 == "label" && $0.1.isEmpty })
        let query = try ParameterEncoder().queryString(filter)
        #expect(query.contains("label=a%26b%20c"))
        let decoded = try ParameterDecoder().decode(Filter.self, from: ParameterDecoder.parse(query: query))
        #expect(decoded == filter)
        let commaSeparated = try ParameterDecoder().decode(
            Filter.self,
            from: ["accountID": ["7"], "states": ["queued,running"], "includeHistory": ["false"], "minimum": ["0"]]
        )
        #expect(commaSeparated.states == [.queued, .running])
        #expect(commaSeparated.since == nil && commaSeparated.label == nil)
    }

    @Test("bad query parameters name the parameter and what it must be")
    func parameterErrors() throws {
        func message(_ parameters: [String: [String]]) -> String? {
            do {
                _ = try ParameterDecoder().decode(Filter.self, from: parameters)
                return nil
            } catch let error as DecodingError {
                return error.fieldMessage
            } catch {
                return "\(error)"
            }
        }
        let base: [String: [String]] = ["accountID": ["1"], "states": ["queued"], "includeHistory": ["true"], "minimum": ["1"]]
        #expect(message(base.merging(["accountID": ["abc"]]) { $1 }) == "field 'accountID' must be an integer, got 'abc'")
        #expect(message(base.merging(["states": ["paused"]]) { $1 }) == "field 'states' has an unknown value 'paused'")
        #expect(message(base.filter { $0.key != "accountID" }) == "field 'accountID' is required")
        #expect(message(base.merging(["since": ["yesterday"]]) { $1 })?.contains("ISO 8601") == true)
        #expect(message(base.merging(["minimum": ["1e5"]]) { $1 }) == #"field 'minimum' must be a decimal number such as "1234.50", got '1e5'"#)
    }

    @Test("decimals travel as exact strings and come back exact")
    func decimals() throws {
        let priced = Priced(symbol: "INFY", quantity: Decimal(string: "1234567.891234")!, lastPrice: nil)
        let json = String(decoding: try JSONCoding.encode(priced), as: UTF8.self)
        #expect(json == #"{"lastPrice":null,"quantity":"1234567.891234","symbol":"INFY"}"#)
        #expect(try JSONCoding.decode(Priced.self, from: Array(json.utf8)) == priced)
        let missingOptional = try JSONCoding.decode(Priced.self, from: Array(#"{"symbol":"X","quantity":"0.1"}"#.utf8))
        #expect(missingOptional.lastPrice == nil)
        let fromNumber = try JSONCoding.decode(Priced.self, from: Array(#"{"symbol":"X","quantity":0.3,"lastPrice":"19.99"}"#.utf8))
        #expect(fromNumber.quantity == Decimal(string: "0.3")! && fromNumber.lastPrice == Decimal(string: "19.99")!)
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Priced.self, from: Array(#"{"symbol":"X","quantity":"abc"}"#.utf8)) }
        let raw = try JSONCoding.decode(JSONValue.self, from: Array(#"{"average_price": 1234.567890123456789}"#.utf8))
        #expect(raw["average_price"] == .number(Decimal(string: "1234.567890123456789")!))
    }

    @Test("dates are ISO 8601 UTC with milliseconds, with or without a fraction on input")
    func dates() throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000.125)
        #expect(ISO8601.format(date) == "2025-11-24T16:00:00.125Z")
        #expect(ISO8601.parse("2025-11-24T16:00:00Z") == Date(timeIntervalSince1970: 1_764_000_000))
        #expect(ISO8601.parse("2025-11-24T21:30:00+05:30") == Date(timeIntervalSince1970: 1_764_000_000))
        #expect(ISO8601.parse("24/11/2025") == nil)
        #expect(ISO8601.parse("2026-02-30T00:00:00Z") == nil && ISO8601.parse("2026-11-24T24:00:00Z") == nil)
        #expect(ISO8601.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        // Rounded to the nearest millisecond, so repeated trips through the wire never drift.
        let awkward = Date(timeIntervalSince1970: 1_795_571_469.123_999_9)
        #expect(ISO8601.format(awkward) == "2026-11-25T01:51:09.124Z")
        var trip = Date(timeIntervalSince1970: (1_795_571_469_000.0 + 457) / 1000)
        for _ in 0..<5 { trip = ISO8601.parse(ISO8601.format(trip))! }
        #expect(ISO8601.format(trip) == "2026-11-25T01:51:09.457Z")
    }

    @Test("formatting never traps: year 0 and before, past 9999, beyond Int milliseconds, infinite and NaN")
    func formatIsTotal() {
        // Year 0000 in IST is the last day of year -1 in UTC; this used to trap on a negative digit.
        let yearZero = Date(timeIntervalSince1970: Double(-719_528 * 86_400 - 19_800))
        #expect(ISO8601.format(yearZero) == "-000001-12-31T18:30:00.000Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: -62_167_219_200)) == "0000-01-01T00:00:00.000Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: 253_402_300_800)) == "+010000-01-01T00:00:00.000Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: 1e300)) == "+275760-09-13T00:00:00.000Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: -.infinity)) == "-271821-04-20T00:00:00.000Z")
        #expect(ISO8601.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00.000Z")
    }

    @Test("times from outside are plausible only in 1900-2200")
    func timeBounds() {
        #expect(TimeBounds.contains(ISO8601.parse("1900-01-01T00:00:00Z")!))
        #expect(TimeBounds.contains(ISO8601.parse("2200-12-31T23:59:59.999Z")!))
        #expect(!TimeBounds.contains(ISO8601.parse("1899-12-31T23:59:59.999Z")!))
        #expect(!TimeBounds.contains(ISO8601.parse("2201-01-01T00:00:00Z")!))
        #expect(!TimeBounds.contains(ISO8601.parse("0000-01-01T00:00:00Z")!))
        #expect(!TimeBounds.contains(Date(timeIntervalSince1970: .nan)) && !TimeBounds.contains(Date(timeIntervalSince1970: .infinity)))
    }

    @Test("the error envelope has code, message and details, and no status field")
    func envelope() throws {
        let error = APIError.unprocessable("cron field 'hour' must be 0-23, got 25", field: "cron")
        let json = String(decoding: try JSONCoding.encode(ErrorEnvelope(error: error)), as: UTF8.self)
        #expect(json == #"{"error":{"code":"invalid","details":{"field":"cron"},"message":"cron field 'hour' must be 0-23, got 25"}}"#)
        let decoded = try JSONCoding.decode(ErrorEnvelope.self, from: Array(json.utf8)).error
        #expect(decoded.code == "invalid" && decoded.message == error.message && decoded.details == error.details)
    }

    @Test("endpoints are versioned and know their path parameters")
    func endpoints() {
        let endpoint = Endpoint<Empty, Empty>(.post, "/v1/accounts/{id}/runs/{runID}", scopes: .administrators, summary: "test")
        #expect(endpoint.pathParameters == ["id", "runID"])
        #expect(!endpoint.usesQuery)
        #expect(Endpoint<Empty, Empty>(.get, "/v1/x", scopes: .readers, summary: "").usesQuery)
        #expect(Set<Scope>.readers == [.read, .admin] && Set<Scope>.readers.and(.monitor) == [.read, .admin, .monitor])
    }

    @Test("request ids are validated before they are trusted")
    func requestIDs() {
        let id = RequestID.make()
        #expect(id.count == 16 && RequestID.isValid(id))
        #expect(!RequestID.isValid("") && !RequestID.isValid("has space") && !RequestID.isValid(String(repeating: "a", count: 65)))
        #expect(!RequestID.isValid("line\nbreak"))
    }
}

@Suite("Snapshot tables and exact decimals")
struct HoldingsTableTests {
    @Test("holdings survive the table form exactly, whatever their text holds")
    func roundTrip() throws {
        let holdings = [
            Holding(
                symbol: "TAB\tNEW\nLINE\\SLASH", exchange: nil, isin: "\\N", assetType: .mutualFund, quantity: Decimal(string: "382.488")!,
                averagePrice: Decimal(string: "0.000001")!, lastPrice: nil, currency: "INR", meta: RawJSON(text: #"{"a":"x\ty","n":1.50}"#)
            ),
            Holding(
                symbol: "SBIN", exchange: "BSE", isin: "INE062A01020", assetType: .stock, quantity: 16, averagePrice: Decimal(string: "801.78125")!,
                lastPrice: Decimal(string: "762.45")!, currency: "INR", split: HeldQuantity(free: 10, unsettled: 2, pledged: 4)
            ),
            Holding(
                symbol: "AARON", exchange: "NSE", isin: nil, assetType: .stock, quantity: 1000, averagePrice: 100,
                lastPrice: Decimal(string: "352.95")!,
                currency: "INR", lot: .mtf
            ),
            Holding(
                symbol: "LEADMINI17DECFUT", exchange: "MCX", isin: nil, assetType: .future, quantity: 1, averagePrice: Decimal(string: "161.05")!,
                lastPrice: Decimal(string: "161.05")!, currency: "INR", multiplier: 1000
            ),
        ]
        let notes = [
            SnapshotNote(kind: .pnlMismatch, symbol: "SBIN", exchange: "BSE", reported: 1, computed: 2, message: "ZERODHA reports a P&L of 1"),
            SnapshotNote(kind: .partUnavailable, message: "mutual-fund holdings unavailable"),
        ]
        let snapshot = HoldingsSnapshot(sourceSnapshotID: "s-1", asOf: ISO8601.parse("2026-11-24T10:00:00Z")!, holdings: holdings, notes: notes)
        let decoded = try JSONCoding.decode(HoldingsSnapshot.self, from: JSONCoding.encode(snapshot))
        #expect(decoded == snapshot)
        #expect(decoded.holdings[0].costValue == Decimal(string: "0.000382488")!)
        #expect(decoded.holdings[1].split?.total == 16)
        #expect(decoded.holdings[3].costValue == 161_050 && decoded.holdings[3].marketValue == 161_050)
        #expect(try HoldingsTable.decode([]) == [])
    }

    @Test("a malformed table names the line and field")
    func errors() {
        func message(_ table: String) -> String? {
            do {
                _ = try HoldingsTable.decode(Array(table.utf8))
                return nil
            } catch {
                return "\(error)"
            }
        }
        let tail = "\\N\t\\N\t\\N\t\\N\t\\N\t\\N"
        #expect(message("A\tNSE\t\\N\tstock\t1\t2\t\\N\tINR\t2\t\\N\t\(tail)") == "line 1 is not terminated by a newline")
        #expect(message("A\tNSE\n") == "line 1 has 2 fields, expected 16")
        #expect(
            message("A\tNSE\t\\N\tstock\tabc\t2\t\\N\tINR\t2\t\\N\t\(tail)\n")
                == "line 1: quantity must be a decimal number such as 1234.50, got 'abc'")
        #expect(message("A\tNSE\t\\N\tgold\t1\t2\t\\N\tINR\t2\t\\N\t\(tail)\n")?.hasPrefix("line 1: assetType 'gold' is not one of") == true)
        #expect(
            message("A\tNSE\t\\N\tstock\t1\t2\t\\N\tINR\t2\t\\N\t1\t\\N\t\\N\t\\N\t\\N\t\\N\n")
                == "line 1 has part of a quantity split; free, unsettled and pledged come together")
        #expect(message("A\tNSE\t\\N\tstock\t1\t2\t\\N\tINR\t2\t\\N\t\\N\t\\N\t\\N\tmargin\t\\N\t\\N\n")?.hasPrefix("line 1: lot 'margin'") == true)
    }

    @Test(
        "exact decimal text matches Foundation, digit for digit",
        arguments: [
            "0", "-0.0001", "1234.56", "-1234.5600", "0.1", "100", "12345678901234567890.5", "99999999999999999999999999999999999999", "+7", ".5",
        ])
    func exactDecimals(_ text: String) throws {
        let fast = try #require(Decimal(exactText: text))
        let foundation = try #require(Decimal(string: text))
        #expect(fast == foundation)
        #expect(fast.exactText == foundation.description)
    }

    @Test(
        "text that is not a plain decimal is refused", arguments: ["", "-", "1e5", "1.2.3", "12a", "NaN", "1 000", String(repeating: "9", count: 39)])
    func notDecimals(_ text: String) {
        #expect(Decimal(exactText: text) == nil)
    }
}
