import Testing

@testable import Gateway

@Suite("Backoff and the gateway's limits")
struct BackoffTests {
    let backoff = Backoff(base: .seconds(1), ceiling: .seconds(60), retryAfterCeiling: .seconds(900))

    @Test("a broker's absurd Retry-After is cut to the ceiling, with arithmetic that saturates")
    func retryAfterCeiling() {
        // Retry-After: 9300000000000000 seconds once overflowed Int milliseconds and trapped the gateway.
        for retryAfter: Duration in [.seconds(9_300_000_000_000_000), .seconds(3_000_000_000), .seconds(Int64.max), .seconds(901)] {
            let delay = backoff.delay(afterAttempt: 1, retryAfter: retryAfter)
            #expect(delay >= .seconds(900) && delay <= .seconds(990), "\(retryAfter) gave \(delay)")
        }
        let honoured = backoff.delay(afterAttempt: 3, retryAfter: .seconds(2))
        #expect(honoured >= .seconds(2) && honoured <= .milliseconds(2200))
        #expect(backoff.delay(afterAttempt: 1, retryAfter: .zero) <= .milliseconds(1))
        #expect(backoff.delay(afterAttempt: 1, retryAfter: .seconds(-5)) <= .milliseconds(1))
    }

    @Test("exponential backoff stays within its ceiling at any attempt and with absurd settings")
    func saturation() {
        for attempt in [-1, 0, 1, 2, 10, 31, 64, Int.max] {
            #expect(backoff.delay(afterAttempt: attempt) <= .seconds(60))
        }
        let absurd = Backoff(base: .seconds(Int64.max), ceiling: .seconds(Int64.max), retryAfterCeiling: .seconds(Int64.max))
        #expect(absurd.delay(afterAttempt: 40) >= .zero)
        #expect(absurd.delay(afterAttempt: 2, retryAfter: .seconds(Int64.max)) >= .zero)
        #expect(Backoff.milliseconds(.seconds(Int64.max)) == Int.max / 2 && Backoff.milliseconds(.milliseconds(-3)) == 0)
        #expect(Backoff.milliseconds(.milliseconds(1500)) == 1500)
    }

    @Test("PSYNC_BROKER_MAX_BODY and PSYNC_RETRY_AFTER_MAX: defaults and parsing")
    func settings() throws {
        let defaults = GatewayConfiguration(broker: "SANDBOX")
        #expect(defaults.brokerMaxBody == 32 << 20 && defaults.retryAfterMax == .seconds(900))
        #expect(try GatewayConfiguration.parseSize("32MiB", name: "X") == 32 << 20)
        #expect(try GatewayConfiguration.parseSize("512KiB", name: "X") == 512 << 10)
        #expect(try GatewayConfiguration.parseSize("1GiB", name: "X") == 1 << 30)
        #expect(try GatewayConfiguration.parseSize("4096", name: "X") == 4096)
        for bad in ["0MiB", "2GiB", "100", "-1MiB", "32MB", "lots", "99999999999999999999GiB"] {
            #expect(throws: (any Error).self, "\(bad)") { try GatewayConfiguration.parseSize(bad, name: "X") }
        }
    }
}
