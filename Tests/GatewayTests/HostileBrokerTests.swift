import Contracts
import Foundation
import RPC
import TestSupport
import Testing

/// Every adapter driven through brokersim's hostile faults at once: no process dies, each job ends
/// with a clear error or a bounded retry, other accounts keep syncing, and once the broker behaves
/// again every account syncs.
@Suite("A hostile broker")
struct HostileBrokerTests {
    /// One way to misbehave: the faults queued for an account's token (one per attempt when it is retried),
    /// the action its job runs, and how the job must end.
    struct Mode {
        var faults: [String]
        var action: JobAction = .holdings
        var status: JobStatus
        var message: String
    }

    static let brokers = ["ZERODHA", "ALPACA", "UPSTOX", "SANDBOX"]

    /// What every broker is put through; `year-0` differs per broker (below).
    static let modes: [String: Mode] = [
        "huge-numbers": Mode(faults: ["huge-numbers"], status: .failed, message: "is out of range (10^30 or more)"),
        "tiny-numbers": Mode(faults: ["tiny-numbers"], status: .failed, message: "has 71 digits, more than 64"),
        "1e400": Mode(faults: ["1e400"], status: .failed, message: "is out of range (10^30 or more)"),
        "5000-digits": Mode(faults: ["5000-digits"], status: .failed, message: "has 5000 digits, more than 64"),
        "deep-json": Mode(faults: ["deep-json"], status: .failed, message: "JSON nested deeper than 64 levels"),
        "300mb-body": Mode(faults: ["300mb-body"], status: .failed, message: "response is larger than the 32 MiB we accept"),
        "drip": Mode(faults: ["drip", "drip"], status: .dead, message: "did not answer in time"),
        "retry-after": Mode(
            faults: ["retry-after:9300000000000000", "retry-after:9300000000000000"], status: .dead, message: "rate-limited the call"),
    ]

    /// Times in year 0000, where each broker has them (Upstox's holdings carry none).
    static let yearZero: [String: Mode] = [
        "ZERODHA": Mode(
            faults: ["year-0"], action: .transactions, status: .failed,
            message: "ZERODHA sent trade H1 with timestamp '0000-01-01 00:00:00', not an IST time in 1900-2200"),
        "ALPACA": Mode(faults: ["year-0"], action: .transactions, status: .failed, message: "ALPACA sent activity H1 without a valid time"),
        "SANDBOX": Mode(faults: ["year-0"], status: .failed, message: "SANDBOX sent as_of '0000-01-01T00:00:00Z', not an ISO 8601 time"),
    ]

    static func credentials(_ broker: String, token: String) -> [String: String] {
        switch broker {
        case "ZERODHA": ["api_key": "key-\(token)", "access_token": token, "api_secret": "secret-key-\(token)"]
        case "ALPACA": ["key_id": token, "secret_key": "secret"]
        default: broker == "UPSTOX" ? ["access_token": token] : ["token": token]
        }
    }

    @Test("every adapter through every hostile mode: no process dies, every job ends clearly, healthy accounts sync")
    func hostileModes() async throws {
        let stack = try await Stack.start([
            "PSYNC_MAX_ATTEMPTS": "2", "PSYNC_RETRY_BASE": "100ms", "PSYNC_RETRY_MAX": "200ms", "PSYNC_RETRY_AFTER_MAX": "1s",
            "PSYNC_BROKER_TIMEOUT": "2s", "PSYNC_ZERODHA_MUTUAL_FUNDS": "false", "PSYNC_ZERODHA_RATE_LIMIT": "0", "PSYNC_ALPACA_RATE_LIMIT": "0",
            "PSYNC_UPSTOX_RATE_LIMIT": "0",
        ])
        try await stack.launch("psync-brokersim", environment: ["PSYNC_SIM_HOLDINGS": "5"])
        for broker in Self.brokers { try await stack.launchGateway(broker) }

        // Accounts: one per mode and broker, plus two healthy ones per broker.
        var expectations: [Int: (String, Mode?)] = [:]
        var healthy: [String: [Int]] = [:]
        var yearZeroAccounts: [(Int, String, Mode)] = []
        for broker in Self.brokers {
            let names = Self.modes.keys.sorted() + (Self.yearZero[broker] == nil ? [] : ["year-0"]) + ["healthy-1", "healthy-2"]
            let tokens = names.map { "\(broker.lowercased())-\($0.replacingOccurrences(of: "-", with: ""))" }
            let accounts = try await stack.makeAccounts(broker: broker, count: names.count) { Self.credentials(broker, token: tokens[$0]) }
            for (index, account) in accounts.enumerated() {
                let name = names[index]
                if name.hasPrefix("healthy") {
                    healthy[broker, default: []].append(account.id)
                    expectations[account.id] = (tokens[index], nil)
                } else if name == "year-0" {
                    yearZeroAccounts.append((account.id, tokens[index], Self.yearZero[broker]!))
                    expectations[account.id] = (tokens[index], nil)
                } else {
                    expectations[account.id] = (tokens[index], Self.modes[name]!)
                }
            }
        }
        for (token, mode) in expectations.values {
            // One fault per attempt, even for modes that fail at once: on a loaded machine a 32 MiB read may outlast
            // the 2 s timeout, and the retry must meet the same hostile answer, not a healthy one.
            if let mode { try await inject(stack, mode.status == .failed ? mode.faults + mode.faults : mode.faults, token: token) }
        }

        // CR/LF in a credential: refused when stored, and a Kite login handing one out stores nothing.
        for broker in Self.brokers {
            let account = healthy[broker]![0]
            var poisoned = Self.credentials(broker, token: "x")
            let field = poisoned.keys.sorted().last!
            poisoned[field] = "x\r\nX-Injected: 1"
            await #expect {
                try await stack.gateway(broker).call(GatewayAPI.putCredentials, PutCredentials(id: account, credentials: poisoned))
            } throws: {
                let error = $0 as? RPCError
                return error?.status == 422
                    && error?.message == "credentials field '\(field)' contains a CR, LF or NUL, which cannot be sent in a header"
            }
        }
        try await inject(stack, ["crlf-token"], token: "reqhostile1")
        await #expect {
            try await stack.gateway("ZERODHA").call(
                GatewayAPI.completeLogin, CompleteLogin(id: healthy["ZERODHA"]![0], code: "reqhostile1"))
        } throws: {
            let error = $0 as? RPCError
            return error?.status == 502 && error?.message.hasSuffix("holds a CR, LF or NUL; nothing was stored") == true
        }

        // One run of everyone's holdings, hostile and healthy together.
        let clock = ContinuousClock()
        let start = clock.now
        let (run, _) = try await stack.enqueueRun(.all)
        let detail = try await stack.waitForRun(run.id, timeout: .seconds(40))
        #expect(clock.now - start < .seconds(30), "absurd Retry-After and dripping bodies are bounded")
        try await checkJobs(stack, run: run.id, expectations)
        #expect(detail.run.counts.succeeded == expectations.values.filter { $0.1 == nil }.count)

        // Year 0000 where each broker has times (trades and activities are transactions).
        for (account, token, mode) in yearZeroAccounts {
            try await inject(stack, mode.faults, token: token)
            let (yearRun, _) = try await stack.enqueueRun(.account(account), actions: [mode.action])
            _ = try await stack.waitForRun(yearRun.id)
            try await checkJobs(stack, run: yearRun.id, [account: (token, mode)])
        }

        // No process died; gateways run without core dumps.
        for product in ["psync-persistence", "psync-brokersim"] { #expect(stack.first(product) != nil, "\(product) died\n\(stack.logs())") }
        for broker in Self.brokers {
            let gateway = stack.first("psync-gateway", arguments: ["--broker", broker])
            #expect(gateway != nil, "the \(broker) gateway died\n\(stack.logs())")
            if let gateway {
                let limits = try String(contentsOfFile: "/proc/\(gateway.child.pid)/limits", encoding: .utf8)
                let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }?.split(
                    separator: " ", omittingEmptySubsequences: true)
                #expect(core?.dropFirst(4).prefix(2) == ["0", "0"], "\(String(describing: core))")
            }
        }

        // The broker behaves again: every account syncs, and the healthy ones have the right holdings.
        _ = try await stack.simulator("DELETE", "/sim/faults")
        let (again, _) = try await stack.enqueueRun(.all)
        let recovered = try await stack.waitForRun(again.id)
        #expect(recovered.run.counts.succeeded == expectations.count, "\(recovered.failures)")
        let sandbox = healthy["SANDBOX"]![1]
        #expect(try await stack.storedHoldings(sandbox) == Stack.expectedHoldings(token: expectations[sandbox]!.0, count: 5))
        await stack.stop()
    }

    func inject(_ stack: Stack, _ faults: [String], token: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["token": token, "responses": faults])
        _ = try await stack.simulator("POST", "/sim/faults", String(decoding: body, as: UTF8.self))
    }

    /// Each job of the run ended as its account's mode says (healthy ones succeeded), with a message naming the problem.
    func checkJobs(_ stack: Stack, run: Int, _ expectations: [Int: (String, Mode?)]) async throws {
        let jobs = try await stack.admin.call(PersistenceAPI.runJobs, ListRunJobs(id: run, limit: 500)).items
        #expect(jobs.count == expectations.count)
        for job in jobs {
            guard let (token, mode) = expectations[job.accountID] else { continue }
            let expected = mode?.status ?? .succeeded
            #expect(job.status == expected, "\(token): \(job.status) \(job.lastError ?? "")")
            if let mode {
                #expect(job.lastError?.contains(mode.message) == true, "\(token): \(job.lastError ?? "no error")")
                #expect(job.attempts <= 2, "\(token) ran \(job.attempts) times")
            }
        }
    }
}
