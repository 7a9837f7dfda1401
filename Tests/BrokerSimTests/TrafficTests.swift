import Contracts
import CurlClient
import Foundation
import Testing

@testable import BrokerSim

@Suite("Rate limit, latency, stats and the control API")
struct TrafficTests {
    @Test("a burst over the limit gets 429 in the broker's envelope, without Retry-After for Kite (it documents none)")
    func burstIsLimited() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_RATE_LIMIT": "10"])
        let responses = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
            for index in 0..<30 {
                group.addTask { try await sim.kite("/user/profile", token: "kite-burst-\(index)", apiKey: "burst-key") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ok = responses.filter { $0.status == 200 }.count
        let limited = responses.filter { $0.status == 429 }
        // 10 at once, plus whatever refilled while the burst was in flight (well under a second).
        #expect(ok >= 10 && ok <= 20, "\(ok) of 30 got through a 10/s limit")
        #expect(limited.count == 30 - ok)
        for response in limited {
            #expect(response.header("Retry-After") == nil)
            #expect(try decodeBroker(KiteError.self, response).status == "error")
        }
        // The limit is per API key: another key is unaffected.
        #expect(try await sim.kite("/user/profile", token: "kite-burst-0", apiKey: "other-key").status == 200)
        let stats = try decodeControl(StatsReport.self, try await sim.control("GET", "/sim/stats"))
        #expect(stats.rateLimited == limited.count)
        #expect(stats.byKey["burst-key"]?.requests == 30)
        #expect(stats.byKey["burst-key"]?.maxPerSecond ?? 0 >= 15)

        let alpacaBurst = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
            for _ in 0..<15 { group.addTask { try await sim.alpaca("/v2/positions", token: "alpaca-burst") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let alpacaLimited = try #require(alpacaBurst.first { $0.status == 429 })
        #expect(alpacaLimited.text == #"{"code":42910000,"message":"rate limit exceeded"}"#)
        #expect(alpacaLimited.header("X-Ratelimit-Limit") == "10" && alpacaLimited.header("X-Ratelimit-Remaining") == "0")
        await sim.stop()
    }

    @Test("a client pacing just under the limit is never refused")
    func pacedClientPasses() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_RATE_LIMIT": "20"])
        let clock = ContinuousClock()
        let start = clock.now
        var statuses: [Int] = []
        for index in 0..<30 {
            // A paced client: request n goes out at n × 55 ms (18 a second against a limit of 20).
            try await Task.sleep(until: start + .milliseconds(55 * index), clock: clock)
            statuses.append(try await sim.bearer("/sandbox/v1/profile", token: "sandbox-paced").status)
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        await sim.stop()
    }

    @Test("the latency setting delays every broker response, and can be changed at run time")
    func latency() async throws {
        // A second of latency: a loaded machine can add hundreds of milliseconds to a call, never take them away.
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_LATENCY": "1000ms"])
        let clock = ContinuousClock()
        var start = clock.now
        #expect(try await sim.kite("/user/profile", token: "kite-latency").status == 200)
        #expect(clock.now - start >= .milliseconds(1000))
        start = clock.now
        #expect(try await sim.kite("/user/profile", token: "expired-latency").status == 403)
        #expect(clock.now - start >= .milliseconds(1000))
        let config = try decodeControl(SimulatorSettings.self, try await sim.control("GET", "/sim/config"))
        #expect(config.latencyMs == 1000)
        try await sim.configure(["latencyMs": .number(0)])
        start = clock.now
        #expect(try await sim.kite("/user/profile", token: "kite-latency").status == 200)
        #expect(clock.now - start < .milliseconds(1000))
        await sim.stop()
    }

    @Test("stats count requests by status, broker and key, and reset")
    func stats() async throws {
        let sim = try await SimulatorProcess.start()
        _ = try await sim.kite("/portfolio/holdings", token: "kite-stats")
        _ = try await sim.kite("/portfolio/holdings", token: "kite-stats")
        _ = try await sim.send("GET", "/portfolio/holdings", headers: [("X-Kite-Version", "3")])
        _ = try await sim.alpaca("/v2/positions", token: "alpaca-stats")
        _ = try await sim.bearer("/v2/user/profile", token: "upstox-stats")
        _ = try await sim.bearer("/sandbox/v1/profile", token: "sandbox-stats")
        _ = try await sim.send("GET", "/healthz")
        let report = try decodeControl(StatsReport.self, try await sim.control("GET", "/sim/stats"))
        #expect(report.requests == 6)
        #expect(report.byStatus == ["200": 5, "403": 1])
        #expect(report.byBroker == ["kite": 3, "alpaca": 1, "upstox": 1, "sandbox": 1, "dhan": 0])
        #expect(report.byKey["kite-api-key"]?.requests == 2)
        #expect(report.byKey["alpaca-stats"]?.requests == 1)
        #expect(report.keys == 4 && report.rateLimited == 0)
        let reset = try decodeControl(StatsReport.self, try await sim.control("POST", "/sim/stats/reset"))
        #expect(reset.requests == 0 && reset.byKey.isEmpty)
        await sim.stop()
    }

    @Test("PUT /sim/config changes any subset and refuses values out of range")
    func configuration() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_HOLDINGS": "5"])
        let updated = try await sim.control("PUT", "/sim/config", body: .object(["day": .number(4), "rateLimitPerSecond": .number(7)]))
        let settings = try decodeControl(SimulatorSettings.self, updated)
        #expect(settings.day == 4 && settings.rateLimitPerSecond == 7 && settings.holdingsPerAccount == 5 && settings.latencyMs == 0)
        let refused = try await sim.control("PUT", "/sim/config", body: .object(["expiredFraction": .number(2)]))
        #expect(refused.status == 400)
        #expect(refused.text.contains("expiredFraction"))
        #expect(try decodeControl(SimulatorSettings.self, try await sim.control("GET", "/sim/config")) == settings)
        await sim.stop()
    }

    @Test("control routes need the admin token when one is configured; broker routes never do")
    func adminToken() async throws {
        var sim = try await SimulatorProcess.start(["PSYNC_ADMIN_TOKEN": "brokersim-admin-token-for-tests"])
        #expect(try await sim.control("GET", "/sim/config").status == 200)
        #expect(try await sim.control("DELETE", "/sim/faults").status == 200)
        sim.adminToken = nil
        #expect(try await sim.control("GET", "/sim/config").status == 401)
        #expect(try await sim.control("GET", "/sim/stats").status == 401)
        #expect(try await sim.control("POST", "/sim/faults", body: .object(["token": .string("x"), "responses": .array([])])).status == 401)
        sim.adminToken = "not-the-admin-token-at-all"
        #expect(try await sim.control("PUT", "/sim/config", body: .object(["day": .number(1)])).status == 401)
        #expect(try await sim.kite("/portfolio/holdings", token: "kite-admin").status == 200)
        await sim.stop()

        let open = try await SimulatorProcess.start()
        #expect(try await open.control("GET", "/sim/config").status == 200)
        await open.stop()
    }
}
