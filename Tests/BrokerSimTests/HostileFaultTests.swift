import Contracts
import CurlClient
import Foundation
import TestSupport
import Testing

@testable import BrokerSim

@Suite("Hostile faults")
struct HostileFaultTests {
    @Test("hostile fault names parse; a Retry-After must be printable ASCII of 1-100 characters")
    func names() {
        #expect(Fault("retry-after:9300000000000000") == .retryAfter("9300000000000000"))
        #expect(Fault("retry-after:Fri, 31 Dec 9999 23:59:59 GMT") == .retryAfter("Fri, 31 Dec 9999 23:59:59 GMT"))
        #expect(
            Fault("retry-after:") == nil && Fault("retry-after:a\r\nb") == nil && Fault("retry-after:" + String(repeating: "9", count: 101)) == nil)
        #expect(Fault("huge-numbers") == .hostile(.hugeNumbers) && Fault("tiny-numbers") == .hostile(.tinyNumbers))
        #expect(Fault("1e400") == .hostile(.exponent400) && Fault("5000-digits") == .hostile(.longDecimal) && Fault("year-0") == .hostile(.yearZero))
        #expect(Fault("deep-json") == .deepJSON && Fault("300mb-body") == .hugeBody && Fault("drip") == .drip && Fault("crlf-token") == .crlfToken)
        #expect(Fault.names.contains("retry-after:<text>") && Fault.names.contains("year-0"))
    }

    @Test("hostile values sit in each broker's own shape for the route asked")
    func shapes() async throws {
        let sim = try await SimulatorProcess.start()
        let nines = String(repeating: "9", count: 38)
        try await sim.inject(["huge-numbers", "year-0", "5000-digits", "year-0"], token: "kite-h")
        #expect(
            try await sim.kite("/portfolio/holdings", token: "kite-h").text.contains(
                #""quantity":-\#(nines),"t1_quantity":0,"average_price":\#(nines)"#))
        #expect(try await sim.kite("/trades", token: "kite-h").text.contains(#""fill_timestamp":"0000-01-01 00:00:00""#))
        let long = try await sim.kite("/portfolio/positions", token: "kite-h")
        #expect(long.text.hasPrefix(#"{"status":"success","data":{"day":[],"net":[{"#) && long.body.count > 5000)
        // Kite's holdings carry a time only in a field the adapter ignores: still the hostile shape.
        #expect(try await sim.kite("/portfolio/holdings", token: "kite-h").text.contains(#""authorised_date":"0000-01-01 00:00:00""#))

        try await sim.inject(["tiny-numbers", "year-0", "1e400"], token: "alpaca-h")
        let tiny = "0." + String(repeating: "0", count: 69) + "1"
        #expect(try await sim.alpaca("/v2/positions", token: "alpaca-h").text.contains(#""qty":"\#(tiny)","avg_entry_price":"\#(tiny)""#))
        #expect(try await sim.alpaca("/v2/account/activities", token: "alpaca-h").text.contains(#""transaction_time":"0000-01-01T00:00:00Z""#))
        #expect(try await sim.alpaca("/v2/positions", token: "alpaca-h").text.contains(#""qty":"1e400""#))

        try await sim.inject(["year-0", "1e400"], token: "upstox-h")
        let normal = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-h")
        #expect(normal.status == 200 && !normal.text.contains("HOSTILE"), "Upstox holdings have no time: year-0 answers normally")
        #expect(try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-h").text.contains(#""quantity":1e400,"#))

        try await sim.inject(["year-0", "year-0"], token: "sandbox-h")
        #expect(try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-h").text.contains(#""as_of":"0000-01-01T00:00:00Z""#))
        #expect(try await sim.bearer("/sandbox/v1/transactions", token: "sandbox-h").text.contains(#""executed_at":"0000-01-01T00:00:00Z""#))
        await sim.stop()
    }

    @Test("absurd Retry-After, 100,000-deep JSON, a CR/LF access token from Kite's login")
    func headersAndStructure() async throws {
        let sim = try await SimulatorProcess.start()
        try await sim.inject(["retry-after:9300000000000000", "deep-json"], token: "upstox-r")
        let limited = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-r")
        #expect(limited.status == 429 && limited.header("Retry-After") == "9300000000000000")
        #expect(try decodeJSON(limited)["status"]?.stringValue == "error")
        let deep = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-r")
        #expect(deep.status == 200 && deep.body.count == 200_028 && deep.text.hasPrefix(#"{"status":"success","data":[[[["#))

        try await sim.inject(["crlf-token"], token: "req-hostile")
        let form = "api_key=k&request_token=req-hostile&checksum=x"
        let session = try await sim.send(
            "POST", "/session/token", headers: [("X-Kite-Version", "3"), ("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(form.utf8))
        let token = try JSONSerialization.jsonObject(with: Data(session.body)) as? [String: Any]
        #expect((token?["data"] as? [String: Any])?["access_token"] as? String == "kite-hostile\r\nX-Injected: 1")
        try await sim.inject(["crlf-token"], token: "sandbox-c")
        #expect(try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-c").text.contains(#""holdings":[{"symbol""#))
        await sim.stop()
    }

    @Test("300 MB and dripping bodies are generated as they are sent: the client's cap and timeout end them, the simulator stays small")
    func streamedBodies() async throws {
        let sim = try await SimulatorProcess.start()
        try await sim.inject(["300mb-body", "300mb-body", "drip"], token: "sandbox-s")
        let headers = [("Authorization", "Bearer sandbox-s")]
        let url = sim.service.baseURL + "/sandbox/v1/holdings"
        for _ in 0..<2 {
            await #expect {
                try await sim.client.execute(HTTPClientRequest(url: url, headers: headers, maximumResponseSize: 16 << 20))
            } throws: { error in
                (error as? HTTPClientError)?.kind == .responseTooLarge
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        await #expect {
            try await sim.client.execute(HTTPClientRequest(url: url, headers: headers, timeout: .seconds(1)))
        } throws: { error in
            (error as? HTTPClientError)?.kind == .timeout
        }
        #expect(clock.now - start < .seconds(3))
        #expect(try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-s").status == 200)
        let status = try String(contentsOfFile: "/proc/\(sim.service.child.pid)/status", encoding: .utf8)
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(rss < 200_000, "brokersim's resident set is \(rss) kB after two 300 MB bodies")
        await sim.stop()
    }
}
