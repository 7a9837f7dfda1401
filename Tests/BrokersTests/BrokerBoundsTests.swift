import Contracts
import CurlClient
import Foundation
import Testing

@testable import Brokers

/// What Foundation's `Decimal` and `JSONDecoder` do with absurd input on Linux (swift-foundation,
/// Swift 6.3), pinned so a change shows. One case cannot be a test because it kills the process:
/// `Decimal(string: "1e-70")! * Decimal(string: "1e-70")!` traps ("Illegal instruction" in
/// `Decimal._multiply`) whenever the product's exponent would fall below -128 — which is why
/// `BrokerNumber` keeps every broker number within 10^-30...10^30 before any arithmetic.
@Suite("Foundation's Decimal and JSONDecoder at the edges")
struct FoundationEdgeTests {
    struct Quantity: Decodable { let q: Decimal }

    func decode(_ json: String) -> Decimal? {
        try? JSONDecoder().decode(Quantity.self, from: Data(json.utf8)).q
    }

    @Test("overflow is NaN, not a trap; huge exponents and 5,000-digit integers do not decode; a 39th digit is rounded away")
    func decimalEdges() {
        #expect((Decimal(string: "1e100")! * Decimal(string: "1e28")!).isNaN)
        #expect(!(Decimal(string: "1e-64")! * Decimal(string: "1e-64")!).isNaN)
        #expect(Decimal(string: "1e400") == nil && Decimal(string: String(repeating: "9", count: 5000)) == nil)
        #expect(decode(#"{"q":1e400}"#) == nil && decode(#"{"q":1e128}"#) == nil && decode(#"{"q":1e127}"#) != nil)
        #expect(decode(#"{"q":\#(String(repeating: "9", count: 5000))}"#) == nil)
        // Silently inexact: why more than 38 significant digits are refused before decoding.
        #expect(decode(#"{"q":\#(String(repeating: "9", count: 39))}"#) == Decimal(string: String(repeating: "9", count: 38) + "0"))
        #expect(decode(#"{"q":0.\#(String(repeating: "9", count: 5000))}"#) != nil)
    }

    @Test("JSONDecoder refuses 100,000-deep arrays with an error (its own limit is 512), not a stack overflow")
    func deepNesting() {
        let deep = #"{"q":1,"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(decode(deep) == nil)
    }
}

@Suite("Numbers, nesting, times and waits from a broker are bounded before use")
struct BrokerBoundsTests {
    @Test(
        "numbers: at most 38 significant digits, below 10^30, no digit finer than 10^-30",
        arguments: [
            ("0", nil), ("-12.50", nil), ("1e3", nil), ("2.5E-7", nil), ("0.000000001", nil), ("12345678901234567890123456789", nil),
            ("99999999999999999999999999999.99999999", nil), ("0.000000000000000000000000000001", nil), ("-0.0", nil),
            (String(repeating: "9", count: 38), "is out of range (10^30 or more)"),
            ("1" + String(repeating: "0", count: 30), "is out of range (10^30 or more)"),
            ("1e400", "is out of range (10^30 or more)"), ("-1e30", "is out of range (10^30 or more)"),
            ("1e-31", "is out of range (a digit finer than 10^-30)"), ("1e-400", "is out of range (a digit finer than 10^-30)"),
            ("0.0000000000000000000000000000001", "is out of range (a digit finer than 10^-30)"),
            ("1." + String(repeating: "1", count: 38), "has more than 38 significant digits"),
            ("1." + String(repeating: "3", count: 4999), "has 5000 digits, more than 64"),
            ("0." + String(repeating: "0", count: 70), "has 71 digits, more than 64"),
            ("1e99999999999999999999", "is out of range (10^30 or more)"),
            ("-", "is not a number"), ("1e", "is not a number"), ("1-2", "is not a number"), ("1.2.3", "is not a number"), ("", "is not a number"),
            ("NaN", "is not a number"),
        ] as [(String, String?)])
    func numbers(_ text: String, _ problem: String?) {
        #expect(BrokerNumber.problem(text.utf8) == problem)
    }

    @Test("plain decimal strings: the limits, then exact parsing")
    func decimalStrings() throws {
        #expect(try BrokerNumber.decimal("150.123456789").get() == Decimal(string: "150.123456789")!)
        #expect(throws: BrokerNumber.Problem.self) { try BrokerNumber.decimal("1e5").get() }
        #expect(throws: BrokerNumber.Problem.self) { try BrokerNumber.decimal("0." + String(repeating: "0", count: 69) + "1").get() }
        if case .failure(let problem) = BrokerNumber.decimal("abc") { #expect(problem.isMalformed) }
        if case .failure(let problem) = BrokerNumber.decimal("1e40") { #expect(!problem.isMalformed) }
    }

    @Test("JSON nesting is capped at 64 and the scan says where; numbers are checked wherever they are, strings skipped")
    func jsonCheck() {
        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        #expect(JSONCheck.problem(in: nested(64)) == nil)
        #expect(JSONCheck.problem(in: nested(65)) == "JSON nested deeper than 64 levels (at [0][0][0][0][0][0][0][0]…)")
        let clock = ContinuousClock()
        let start = clock.now
        #expect(JSONCheck.problem(in: nested(100_000))?.hasPrefix("JSON nested deeper than 64 levels") == true)
        #expect(clock.now - start < .seconds(1))
        let body = #"{"status":"success","data":[{"a":"1e400 [[[ \"quoted\" ]","quantity":1},{"tradingsymbol":"X","quantity":1e400}]}"#
        #expect(JSONCheck.problem(in: Array(body.utf8)) == "a number at data[1].quantity that is out of range (10^30 or more)")
        #expect(JSONCheck.problem(in: Array(#"{"data":{"net":[{"q":-5,"p":2.5e-3}],"day":[]},"t":true,"n":null}"#.utf8)) == nil)
        #expect(JSONCheck.problem(in: Array("1e-99".utf8)) == "a number at the top level that is out of range (a digit finer than 10^-30)")
        // Malformed JSON is left to the decoder; the scan must simply not trap.
        for junk in ["\"", "{\"a", "[1,", "}}]]", "{\"a\":\"\\", "-", ":::,,,"] { _ = JSONCheck.problem(in: Array(junk.utf8)) }
    }

    @Test("Retry-After: seconds or an HTTP date, saturating, capped; negative or garbage is ignored")
    func retryAfter() {
        let now = ISO8601.parse("2026-11-24T10:00:00Z")!
        let limit = Duration.seconds(900)
        func wait(_ value: String) -> Duration? { RetryAfter.parse(value, now: now, limit: limit) }
        #expect(wait("120") == .seconds(120) && wait(" 0 ") == .zero)
        #expect(wait("9300000000000000") == limit && wait("3000000000") == limit)
        #expect(wait(String(repeating: "9", count: 5000)) == limit)
        #expect(wait("-5") == nil && wait("+5") == nil && wait("1.5") == nil && wait("soon") == nil && wait("") == nil)
        #expect(wait("Tue, 24 Nov 2026 10:01:40 GMT") == .seconds(100))
        #expect(wait("Tuesday, 24-Nov-26 10:01:40 GMT") == .seconds(100))
        #expect(wait("Tue Nov 24 10:01:40 2026") == .seconds(100))
        #expect(wait("Tue, 24 Nov 2026 09:00:00 GMT") == .zero)
        #expect(wait("Fri, 31 Dec 9999 23:59:59 GMT") == limit)
        #expect(wait("Sat, 01 Jan 0000 00:00:00 GMT") == .zero)
        #expect(wait("Mon, 30 Feb 2026 10:00:00 GMT") == nil && wait("Tue, 24 Nov 2026 25:00:00 GMT") == nil)
        #expect(wait("Tue, 24 Nov 2026 10:01:40 PST") == nil && wait("Tue, 24 Foo 2026 10:01:40 GMT") == nil)

        func response(_ headers: [(String, String)]) -> HTTPClientResponse { HTTPClientResponse(status: 429, headers: headers, body: []) }
        let reset = Int(now.timeIntervalSince1970) + 30
        #expect(RetryAfter.wait(in: response([("X-Ratelimit-Reset", "\(reset)")]), now: now, limit: limit) == .seconds(30))
        #expect(RetryAfter.wait(in: response([("X-Ratelimit-Reset", "99999999999999999999")]), now: now, limit: limit) == limit)
        #expect(RetryAfter.wait(in: response([("X-Ratelimit-Reset", "1000")]), now: now, limit: limit) == nil)
        #expect(RetryAfter.wait(in: response([("X-Ratelimit-Reset", "1e400")]), now: now, limit: limit) == nil)
        #expect(RetryAfter.wait(in: response([("Retry-After", "7"), ("X-Ratelimit-Reset", "\(reset)")]), now: now, limit: limit) == .seconds(7))
        #expect(RetryAfter.wait(in: response([("Retry-After", "never")]), now: now, limit: limit) == nil)
    }

    @Test("broker times outside 1900-2200 are refused")
    func times() {
        #expect(BrokerTime.parseIST("2026-11-24 09:15:00") == ISO8601.parse("2026-11-24T03:45:00Z"))
        #expect(BrokerTime.parseIST("2026-11-24") == ISO8601.parse("2026-11-23T18:30:00Z"))
        for text in ["0000-01-01 00:00:00", "1899-12-31 23:59:59", "9999-12-31 23:59:59", "2026-11-24 24:00:00", "2026-11-24 09:60:00", "2026-02-30"]
        {
            #expect(BrokerTime.parseIST(text) == nil, "\(text)")
        }
        #expect(BrokerTime.parseISO8601("2026-11-24T10:00:00Z") != nil)
        #expect(BrokerTime.parseISO8601("0000-01-01T00:00:00Z") == nil && BrokerTime.parseISO8601("2201-01-01T00:00:00Z") == nil)
    }
}
