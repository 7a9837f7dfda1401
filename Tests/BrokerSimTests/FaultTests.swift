import Contracts
import CurlClient
import Foundation
import Testing

@testable import BrokerSim

@Suite("Injected faults")
struct FaultTests {
    @Test("every fault kind, in order, then normal answers again (Kite)")
    func kiteFaultsInOrder() async throws {
        let sim = try await SimulatorProcess.start()
        let token = "kite-faulty"
        let normal = try await sim.kite("/portfolio/holdings", token: token)
        try await sim.inject(["502-html", "503", "429", "auth", "200-html", "200-wrong-shape", "truncated", "slow:300"], token: token)

        let badGateway = try await sim.kite("/portfolio/holdings", token: token)
        #expect(badGateway.status == 502)
        #expect(badGateway.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(badGateway.text.contains("502 Bad Gateway") && badGateway.text.contains("nginx"))

        // Another token is unaffected in between.
        #expect(try await sim.kite("/portfolio/holdings", token: "kite-healthy").status == 200)

        let unavailable = try await sim.kite("/portfolio/holdings", token: token)
        #expect(unavailable.status == 503)
        #expect(try decodeBroker(KiteError.self, unavailable).errorType == "NetworkException")

        let limited = try await sim.kite("/portfolio/holdings", token: token)
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == nil, "Kite documents no Retry-After")
        #expect(try decodeBroker(KiteError.self, limited).status == "error")

        let auth = try await sim.kite("/portfolio/holdings", token: token)
        #expect(auth.status == 403)
        #expect(try decodeBroker(KiteError.self, auth).errorType == "TokenException")

        let html = try await sim.kite("/portfolio/holdings", token: token)
        #expect(html.status == 200)
        #expect(html.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(html.text.contains("<html"))

        let wrongShape = try await sim.kite("/portfolio/holdings", token: token)
        #expect(wrongShape.status == 200)
        #expect(try decodeJSON(wrongShape) == .object(["status": .string("success"), "data": .object(["unexpected": .bool(true)])]))

        let cutOff = await #expect(throws: HTTPClientError.self) {
            try await sim.kite("/portfolio/holdings", token: token)
        }
        #expect(cutOff?.kind == .transfer)

        let clock = ContinuousClock()
        let slowStart = clock.now
        let slow = try await sim.kite("/portfolio/holdings", token: token)
        #expect(clock.now - slowStart >= .milliseconds(300))
        #expect(slow.status == 200 && slow.body == normal.body)

        let recovered = try await sim.kite("/portfolio/holdings", token: token)
        #expect(recovered.status == 200 && recovered.body == normal.body)
        await sim.stop()
    }

    @Test("503, 429, auth and wrong-shape faults use each broker's own envelope")
    func otherBrokersEnvelopes() async throws {
        let sim = try await SimulatorProcess.start()
        try await sim.inject(["503", "429", "auth", "200-wrong-shape"], token: "alpaca-faulty")
        let alpaca = [
            try await sim.alpaca("/v2/positions", token: "alpaca-faulty"), try await sim.alpaca("/v2/positions", token: "alpaca-faulty"),
            try await sim.alpaca("/v2/positions", token: "alpaca-faulty"), try await sim.alpaca("/v2/positions", token: "alpaca-faulty"),
        ]
        #expect(alpaca.map(\.status) == [503, 429, 401, 200])
        #expect(try decodeJSON(alpaca[0])["code"] != nil)
        #expect(alpaca[1].text == #"{"code":42910000,"message":"rate limit exceeded"}"# && alpaca[1].header("Retry-After") == "1")
        #expect(alpaca[2].text == #"{"code":40110000,"message":"unauthorized"}"#)
        #expect(alpaca[3].text == #"{"unexpected":true}"#)
        #expect(alpaca.allSatisfy { $0.header("X-Ratelimit-Remaining") != nil })

        try await sim.inject(["503", "429", "auth"], token: "upstox-faulty")
        var upstoxCodes: [String?] = []
        for expected in [503, 429, 401] {
            let response = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-faulty")
            #expect(response.status == expected)
            if case .array(let errors)? = try decodeJSON(response)["errors"] { upstoxCodes.append(errors.first?["errorCode"]?.stringValue) }
        }
        #expect(upstoxCodes == ["UDAPI100500", "UDAPI10005", "UDAPI100050"])

        try await sim.inject(["503", "429", "auth"], token: "sandbox-faulty")
        var sandboxCodes: [String?] = []
        for expected in [503, 429, 401] {
            let response = try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-faulty")
            #expect(response.status == expected)
            sandboxCodes.append(try decodeJSON(response)["error"]?["code"]?.stringValue)
        }
        #expect(sandboxCodes == ["unavailable", "rate_limited", "invalid_token"])
        #expect(try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-faulty").status == 200)
        await sim.stop()
    }

    @Test("DELETE /sim/faults clears the queue; unknown fault names are refused")
    func clearAndValidate() async throws {
        let sim = try await SimulatorProcess.start()
        try await sim.inject(["503", "503"], token: "kite-clear")
        let cleared = try decodeJSON(try await sim.control("DELETE", "/sim/faults"))
        #expect(cleared["cleared"] == .number(2))
        #expect(try await sim.kite("/portfolio/holdings", token: "kite-clear").status == 200)
        let refused = try await sim.control(
            "POST", "/sim/faults", body: .object(["token": .string("kite-clear"), "responses": .array([.string("teapot")])]))
        #expect(refused.status == 400)
        #expect(refused.text.contains("teapot"))
        await sim.stop()
    }

    @Test("a transient fraction of 1 alternates nginx 502 pages and the broker's 503")
    func transientFailures() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_TRANSIENT_FRACTION": "1"])
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await sim.kite("/portfolio/holdings", token: "kite-transient").status) }
        #expect(statuses == [502, 503, 502, 503])
        try await sim.configure(["transientFraction": .number(0)])
        #expect(try await sim.kite("/portfolio/holdings", token: "kite-transient").status == 200)
        await sim.stop()
    }
}
