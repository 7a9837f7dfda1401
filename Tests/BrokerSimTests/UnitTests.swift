import ExactDecimal
import Foundation
import NIOCore
import SandboxData
import ServiceKit
import Testing

@testable import BrokerSim

@Suite("Simulator building blocks")
struct UnitTests {
    @Test("JSONWriter places commas and escapes strings")
    func jsonWriter() {
        var json = JSONWriter()
        json.beginObject()
        json.field("a", "x\"y\\z\n\u{1}")
        json.key("list")
        json.beginArray()
        json.integer(1)
        json.number(Decimal(exactText: "801.78125")!)
        json.beginObject()
        json.endObject()
        json.endArray()
        json.field("s", decimalString: Decimal(exactText: "-0.25")!)
        json.field("b", bool: true)
        json.endObject()
        #expect(String(buffer: json.buffer) == #"{"a":"x\"y\\z\n\u0001","list":[1,801.78125,{}],"s":"-0.25","b":true}"#)
    }

    @Test("simulated calendar: day 0 is 2026-01-01, IST and UTC renderings")
    func calendar() {
        #expect(SimulatedCalendar.date(epochDay: SimulatedCalendar.epochDayOfDayZero) == "2026-01-01")
        #expect(SimulatedCalendar.date(epochDay: SimulatedCalendar.epochDayOfDayZero + 59) == "2026-03-01")
        #expect(SimulatedCalendar.date(epochDay: 0) == "1970-01-01")
        let open = SimulatedCalendar.midnightUTC(day: 31) + SimulatedCalendar.indianOpenUTC
        #expect(SimulatedCalendar.localTimestamp(open, offset: SimulatedCalendar.istOffset) == "2026-02-01 09:15:00")
        #expect(SimulatedCalendar.iso8601(open + 61) == "2026-02-01T03:46:01Z")
        #expect(SimulatedCalendar.compactTimestamp(open + 61) == "20260201034601000")
    }

    @Test("Micros parse, add, multiply and print exactly; ratios round half away from zero")
    func micros() throws {
        let average = try #require(Micros(text: "801.78125"))
        let last = try #require(Micros(text: "762.45"))
        let quantity = try #require(Micros(text: "16"))
        #expect(average.text == "801.78125" && last.text == "762.45" && quantity.text == "16")
        #expect(((last - average) * quantity).text == "-629.3")
        #expect((Micros(text: "-0.25")! * Micros(text: "0.5")!).text == "-0.125")
        #expect(Micros(text: "0")!.text == "0" && Micros(text: "-0.000001")!.text == "-0.000001")
        #expect(Micros(text: "1.2.3") == nil && Micros(text: "") == nil && Micros(text: "1e5") == nil)
        #expect(Micros.ratioText(Micros(text: "1")!, Micros(text: "3")!, places: 4) == "0.3333")
        #expect(Micros.ratioText(Micros(text: "2")!, Micros(text: "3")!, places: 4) == "0.6667")
        #expect(Micros.ratioText(Micros(text: "-395")!, Micros(text: "766.4")!, places: 6) == "-0.515397")
        #expect(Micros.ratioText(Micros(text: "1")!, Micros(text: "4")!, places: 10) == "0.25")
        #expect(Micros.ratioText(Micros(text: "5")!, .zero, places: 2) == "0")
        #expect(Micros.ratioText(Micros(text: "0.001")!, Micros(text: "1")!, places: 2) == "0")
        // Every derived figure equals what Decimal arithmetic gives.
        for priced in SimulatedPortfolio(token: "micros", day: 2, count: 40, market: .us).holdings.map(PricedPosition.init) {
            let position = priced.position
            #expect(Decimal(exactText: priced.pnl.text) == (position.lastPrice - position.averagePrice) * position.quantity)
            #expect(Decimal(exactText: (priced.quantity * priced.lastPrice).text) == position.quantity * position.lastPrice)
        }
    }

    @Test("a token bucket allows its capacity at once, then the refill rate; pacing at the rate is never refused")
    func rateLimiter() {
        let limiter = RateLimiter()
        let start = ContinuousClock.now
        let burst = (0..<15).map { _ in limiter.acquire(key: "k", rate: 10, now: start).allowed }
        #expect(burst.filter { $0 }.count == 10)
        #expect(limiter.acquire(key: "k", rate: 10, now: start + .milliseconds(100)).allowed)
        #expect(!limiter.acquire(key: "k", rate: 10, now: start + .milliseconds(150)).allowed)
        #expect(limiter.acquire(key: "other", rate: 10, now: start).allowed)
        let paced = RateLimiter()
        let refused = (0..<1_000).filter { index in !paced.acquire(key: "p", rate: 10, now: start + .milliseconds(100 * index)).allowed }
        #expect(refused.isEmpty)
        #expect(limiter.acquire(key: "k", rate: 0, now: start).allowed)
    }

    @Test("fault names parse; unknown ones do not")
    func faultNames() {
        #expect(Fault("502-html") == .badGatewayHTML)
        #expect(Fault("200-wrong-shape") == .wrongShape)
        #expect(Fault("slow:250") == .slow(milliseconds: 250))
        #expect(Fault("slow:") == nil)
        #expect(Fault("slow:-5") == nil)
        #expect(Fault("418") == nil)
        let book = FaultBook()
        book.enqueue([.unavailable, .auth], for: "t")
        #expect(book.next(for: "u") == nil)
        #expect(book.next(for: "t") == .unavailable)
        #expect(book.next(for: "t") == .auth)
        #expect(book.next(for: "t") == nil)
    }

    @Test("form bodies decode percent escapes and plus signs")
    func formBody() {
        let fields = FormBody.parse("api_key=abc&request_token=a%2Bb+c&checksum=&api_key=second&bad=%zz")
        #expect(fields == ["api_key": "abc", "request_token": "a+b c", "checksum": "", "bad": "%zz"])
    }

    @Test("the portfolio cache serves exactly what SimulatedPortfolio computes, across generations")
    func portfolioCache() {
        let cache = PortfolioCache(capacity: 4)
        for round in 0..<2 {
            for index in 0..<6 {
                let key = PortfolioCache.Key(token: "cache-\(index)", day: round, count: 12, market: .india)
                let portfolio = SimulatedPortfolio(token: key.token, day: key.day, count: 12, market: .india)
                #expect(cache.holdings(key).map(\.position) == portfolio.holdings)
                #expect(cache.holdings(key).map(\.position) == portfolio.holdings)
                #expect(cache.trades(key) == portfolio.trades)
            }
        }
    }

    @Test("Alpaca paging walks every fill once in either direction")
    func alpacaPaging() throws {
        let trades = SimulatedPortfolio(token: "unit-alpaca", day: 0, count: 60, market: .us).trades
        let fills = AlpacaActivities.entries(token: "unit-alpaca", trades: trades, nonTrades: [], day: 0)
        for descending in [true, false] {
            var query = AlpacaActivities.Query(descending: descending, pageSize: 3)
            var seen: [String] = []
            while true {
                let page = AlpacaActivities.page(fills, query)
                seen += page.map(\.id)
                guard page.count == 3 else { break }
                query.pageToken = page.last?.id
            }
            #expect(seen == (descending ? fills.map(\.id).reversed() : fills.map(\.id)))
        }
        #expect(AlpacaActivities.query(["page_size": "500"], pathType: nil) == .success(.init(pageSize: 100)))
        #expect(AlpacaActivities.query(["page_size": "0"], pathType: nil) == .failure(.badRequest("invalid page_size: 0")))
        // `after` is strict and reads RFC 3339 with a fraction or an offset, or a date.
        let last = fills.map(\.time).max()!
        let after = AlpacaActivities.query(["after": SimulatedCalendar.iso8601(last - 1).dropLast() + ".500+00:00"], pathType: nil)
        #expect(try AlpacaActivities.page(fills, after.get()).map(\.time).allSatisfy { $0 == last })
        #expect(AlpacaActivities.query(["after": "2026-01-02"], pathType: nil) == .success(.init(after: 20_455 * 86_400)))
        #expect(AlpacaActivities.query(["after": "yesterday"], pathType: nil) == .failure(.badRequest("invalid after: yesterday")))
    }

    @Test("traffic stats find the busiest one-second window per key")
    func busiestSecond() {
        let stats = TrafficStats()
        let start = ContinuousClock.now
        for index in 0..<50 { stats.record(.kite, key: "k", status: 200, rateLimited: false, now: start + .milliseconds(100 * index)) }
        for index in 0..<7 { stats.record(.alpaca, key: "b", status: 429, rateLimited: true, now: start + .milliseconds(10 * index)) }
        let report = stats.report()
        #expect(report.byKey["k"] == .init(requests: 50, maxPerSecond: 10))
        #expect(report.byKey["b"] == .init(requests: 7, maxPerSecond: 7))
        #expect(report.rateLimited == 7 && report.byStatus == ["200": 50, "429": 7] && report.maxPerSecond == 10)
    }

    @Test("settings come from PSYNC_SIM_* variables, and a bad one is named")
    func environment() throws {
        let configuration = try BrokerSimConfiguration(
            environment: EnvironmentReader([
                "PSYNC_SIM_LATENCY": "50ms", "PSYNC_SIM_RATE_LIMIT": "10", "PSYNC_SIM_HOLDINGS": "5", "PSYNC_SIM_DAY": "3",
                "PSYNC_SIM_EXPIRED_FRACTION": "0.25", "PSYNC_SIM_TRANSIENT_FRACTION": "0.1",
            ]))
        #expect(
            configuration.simulator
                == SimulatorSettings(
                    latencyMs: 50, rateLimitPerSecond: 10, holdingsPerAccount: 5, day: 3, expiredFraction: 0.25, transientFraction: 0.1))
        #expect(configuration.service.httpPort == 7190)
        #expect(throws: ConfigurationError.self) { try BrokerSimConfiguration(environment: EnvironmentReader(["PSYNC_SIM_EXPIRED_FRACTION": "2"])) }
        let error = #expect(throws: ConfigurationError.self) {
            try BrokerSimConfiguration(environment: EnvironmentReader(["PSYNC_SIM_TRANSIENT_FRACTION": "lots"]))
        }
        #expect(error?.message == "PSYNC_SIM_TRANSIENT_FRACTION must be a number 0.0-1.0, got 'lots'")
    }
}
