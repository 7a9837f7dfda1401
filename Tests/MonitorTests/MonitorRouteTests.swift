import Contracts
import CurlClient
import Foundation
import RPC
import RedisClient
import Streams
import TestSupport
import Testing

@Suite("Monitor: pages, JSON API, logins, live events, metrics and history")
struct MonitorRouteTests {
    static let pages = ["/", "/workers", "/queues", "/runs", "/jobs", "/dead-letters", "/accounts/reauth"]
    static let readEndpoints = [
        "/api/v1/overview", "/api/v1/workers", "/api/v1/queues", "/api/v1/dead-letters", "/api/v1/runs", "/api/v1/jobs", "/api/v1/accounts/reauth",
        "/api/v1/runs/1", "/api/v1/jobs/1", "/api/v1/dead-letters/1-0", "/events",
    ]
    static let actionEndpoints = [
        "/api/v1/queues/SANDBOX/pause", "/api/v1/queues/SANDBOX/resume", "/api/v1/dead-letters/1-0/retry", "/api/v1/dead-letters/retry",
        "/api/v1/login-tickets",
    ]
    static let formActions = ["/queues/SANDBOX/pause", "/queues/SANDBOX/resume", "/dead-letters/1-0/retry", "/dead-letters/retry"]

    /// A stack that has run one real sync of `accounts` SANDBOX accounts through a gateway, with the monitor up.
    static func syncedStack(accounts: Int = 3) async throws -> (Stack, RunDetail) {
        let stack = try await Stack.start(["PSYNC_RUN_SWEEP_INTERVAL": "200ms"])
        try await stack.launch("psync-brokersim")
        try await stack.launch("psync-dispatcher")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor", environment: ["PSYNC_MONITOR_METRICS_INTERVAL": "1s"])
        _ = try await stack.makeAccounts(broker: "SANDBOX", count: accounts) { ["token": "monitor-\($0)"] }
        let started = try await stack.dispatcher.call(DispatcherAPI.startRun, StartRun(scope: .all, actions: [.holdings]))
        var detail: RunDetail?
        try await eventually(timeout: .seconds(60), "the sync to finish") {
            detail = try await stack.dispatcher.call(DispatcherAPI.runProgress, ByID(id: started.run.id)).detail
            return detail?.run.status == .finished
        }
        return (stack, detail!)
    }

    @Test("anonymous: pages redirect to the login, the API answers 401 in the error envelope, form actions go to the login")
    func anonymous() async throws {
        let (stack, _) = try await Self.syncedStack(accounts: 1)
        for path in Self.pages + ["/runs/1", "/jobs/1", "/dead-letters/1-0"] {
            let response = try await stack.monitorRequest("GET", path)
            #expect(response.status == 303, "\(path)")
            #expect(response.header("Location")?.hasPrefix("/login?next=") == true, "\(path)")
        }
        for path in Self.readEndpoints {
            let response = try await stack.monitorRequest("GET", path)
            #expect(response.status == 401, "\(path)")
            #expect(response.text.contains("\"code\":\"unauthorized\""), "\(path): \(response.text)")
        }
        for path in Self.actionEndpoints {
            let response = try await stack.monitorRequest("POST", path)
            #expect(response.status == 401, "\(path)")
        }
        for path in Self.formActions {
            let response = try await stack.monitorRequest("POST", path, form: ["csrf": "x"])
            #expect(response.status == 303 && response.header("Location") == "/login", "\(path)")
        }
        #expect(try await stack.monitorRequest("GET", "/metrics").status == 401)
        let wrong = try await stack.monitorRequest("GET", "/api/v1/overview", token: "not-a-token-of-ours-000000")
        #expect(wrong.status == 401 && wrong.text.contains("not valid"))
        let login = try await stack.monitorRequest("GET", "/login")
        #expect(login.status == 200 && login.text.contains("<form method=\"post\" action=\"/login\">"))
        let refused = try await stack.monitorRequest("POST", "/login", form: ["token": "wrong-token-wrong-token"])
        #expect(refused.status == 401 && refused.header("Set-Cookie") == nil)
        // Five of them: the login throttle allows ten failures a minute (the identity walk tries every one).
        for service in ServiceTokens.services.prefix(5) {
            let attempt = try await stack.monitorRequest("POST", "/login", form: ["token": ServiceTokens.token(service)])
            #expect(attempt.status == 401 && attempt.header("Set-Cookie") == nil, "\(service)'s token is not for people")
        }
        await stack.stop()
    }

    @Test("read-only: every page renders without action buttons, every action is 403, by token and by session")
    func readOnly() async throws {
        let (stack, detail) = try await Self.syncedStack(accounts: 2)
        let jobs = try await stack.monitor(token: Stack.readToken).call(MonitorAPI.jobs, ListJobs(runID: detail.run.id))
        let extra = ["/runs/\(detail.run.id)", "/jobs/\(jobs.items[0].id)"]
        let session = try await stack.monitorLogin(token: Stack.readToken)
        for path in Self.pages + extra {
            for (token, cookie) in [(Stack.readToken, nil), (nil, session.cookie)] as [(String?, String?)] {
                let response = try await stack.monitorRequest("GET", path, token: token, cookie: cookie)
                #expect(response.status == 200, "\(path)")
                #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(!response.text.contains("action=\"/queues/") && !response.text.contains("action=\"/dead-letters/"), "\(path) shows actions")
                #expect(response.text.contains("read-only"))
            }
        }
        for path in Self.readEndpoints.dropLast(4) {
            #expect(try await stack.monitorRequest("GET", path, token: Stack.readToken).status == 200, "\(path)")
        }
        for path in Self.actionEndpoints {
            let response = try await stack.monitorRequest("POST", path, token: Stack.readToken)
            #expect(response.status == 403 && response.text.contains("\"code\":\"forbidden\""), "\(path)")
        }
        for path in Self.formActions {
            #expect(try await stack.monitorRequest("POST", path, token: Stack.readToken, form: [:]).status == 403, "\(path)")
            #expect(try await stack.monitorRequest("POST", path, cookie: session.cookie, form: ["csrf": session.csrf]).status == 403, "\(path)")
        }
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")) == false)
        await stack.stop()
    }

    @Test("admin: pages show the sync (workers, queues, run, jobs, attempts); actions by token, and by session only with the CSRF token")
    func admin() async throws {
        let (stack, detail) = try await Self.syncedStack(accounts: 3)
        let monitor = try stack.monitor()
        let overview = try await monitor.call(MonitorAPI.overview)
        #expect(overview.workers.contains { $0.heartbeat.service == "psync-gateway" && $0.heartbeat.broker == "SANDBOX" && $0.state == "alive" })
        #expect(overview.workers.contains { $0.heartbeat.service == "psync-monitor" })
        #expect(overview.runs.contains { $0.run.id == detail.run.id && $0.done == 3 && $0.total == 3 })
        #expect(overview.throughput.count == 60 && overview.throughput.reduce(0) { $0 + $1.succeeded } == 3)
        #expect(overview.deadLetters == 0 && overview.reauthAccounts == 0)
        let sandbox = try #require(overview.queues.first { $0.broker == "SANDBOX" })
        #expect(sandbox.length == 3 && sandbox.paused == false && sandbox.groups.first?.name == "gateways" && sandbox.groups.first?.pending == 0)
        #expect(try await monitor.call(MonitorAPI.workers, ListWorkers(service: "psync-gateway")).count == 1)
        let run = try await monitor.call(MonitorAPI.run, ByID(id: detail.run.id))
        #expect(run.detail.run.counts.succeeded == 3 && !run.stuck)
        #expect(try await monitor.call(MonitorAPI.runs, ListRuns()).items.map(\.id) == [detail.run.id])
        let jobs = try await monitor.call(MonitorAPI.jobs, ListJobs(status: [.succeeded], brokerCode: "SANDBOX", runID: detail.run.id))
        #expect(jobs.items.count == 3)
        let job = try await monitor.call(MonitorAPI.job, ByID(id: jobs.items[0].id))
        #expect(job.attempts.count == 1 && job.attempts[0].outcome == "succeeded" && job.attempts[0].worker?.hasPrefix("psync-gateway") == true)

        let page = try await stack.monitorRequest("GET", "/", token: Stack.adminToken)
        #expect(page.status == 200)
        #expect(page.text.contains("data-alive=\"psync-gateway/SANDBOX\">1<"))
        #expect(page.text.contains("<span data-run-status=\"\(detail.run.id)\"><span class=\"badge ok\">finished</span>"))
        #expect(page.text.contains("id=\"jobs-succeeded-hour\">3<") && page.text.contains("<svg class=\"chart\""))
        #expect(page.text.contains("<time datetime=\"20"))
        let queues = try await stack.monitorRequest("GET", "/queues", token: Stack.adminToken)
        #expect(queues.text.contains("action=\"/queues/SANDBOX/pause\""))
        let jobPage = try await stack.monitorRequest("GET", "/jobs/\(job.job.id)", token: Stack.adminToken)
        #expect(jobPage.text.contains("<h2>Attempts</h2>") && jobPage.text.contains(job.job.worker ?? "?"))
        let runPage = try await stack.monitorRequest("GET", "/runs/\(detail.run.id)", token: Stack.adminToken)
        #expect(runPage.text.contains("id=\"run-succeeded\">3<") && runPage.text.contains("every job has ended"))
        let filtered = try await stack.monitorRequest("GET", "/jobs?status=succeeded&broker=SANDBOX&run=\(detail.run.id)", token: Stack.adminToken)
        #expect(filtered.text.components(separatedBy: "<a href=\"/jobs/").count - 1 == 3)

        // Bad input is a 4xx with a message, never a 500.
        #expect(try await stack.monitorRequest("GET", "/jobs?status=bogus", token: Stack.adminToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/jobs?since=yesterday", token: Stack.adminToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/runs/abc", token: Stack.adminToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/api/v1/runs/999999", token: Stack.adminToken).status == 404)
        #expect(try await stack.monitorRequest("GET", "/api/v1/dead-letters/nope", token: Stack.adminToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/api/v1/dead-letters/1-0", token: Stack.adminToken).status == 404)
        #expect(try await stack.monitorRequest("GET", "/api/v1/dead-letters?limit=9999", token: Stack.adminToken).status == 422)
        #expect(try await stack.monitorRequest("POST", "/api/v1/queues/NOT%20A%20BROKER/pause", token: Stack.adminToken).status == 400)
        #expect(try await stack.monitorRequest("POST", "/api/v1/dead-letters/1-0/retry", token: Stack.adminToken).status == 404)

        // By token: pause and resume.
        #expect(try await monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: "SANDBOX")).paused == true)
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")))
        #expect(try await monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: "sandbox")).paused == false)

        // By session: the form needs the session's CSRF token.
        let session = try await stack.monitorLogin(token: Stack.adminToken)
        let forged = try await stack.monitorRequest(
            "POST", "/queues/SANDBOX/pause", cookie: session.cookie, form: ["csrf": String(repeating: "0", count: 64)])
        #expect(forged.status == 403)
        let bare = try await stack.monitorRequest("POST", "/api/v1/queues/SANDBOX/pause", cookie: session.cookie)
        #expect(bare.status == 401, "a session alone may not call an API action without x-csrf-token")
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")) == false)
        let paused = try await stack.monitorRequest("POST", "/queues/SANDBOX/pause", cookie: session.cookie, form: ["csrf": session.csrf])
        #expect(paused.status == 303 && paused.header("Location") == "/queues")
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")))
        let resumed = try await stack.monitorRequest(
            "POST", "/api/v1/queues/SANDBOX/resume", cookie: session.cookie, headers: [("x-csrf-token", session.csrf)])
        #expect(resumed.status == 200)
        #expect(try await stack.redis.exists(StreamNames.paused(broker: "SANDBOX")) == false)
        let audit = try await stack.admin.call(PersistenceAPI.listAudit, ListAudit(entity: "queue"))
        #expect(audit.items.map(\.action) == ["resume", "pause", "resume", "pause"])
        #expect(audit.items.first?.actor == "monitor for admin", "the monitor acted for the admin session it checked")

        // The cookie is HttpOnly and SameSite=Strict; logging out ends the session.
        let login = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken, "next": "/runs"])
        let cookie = try #require(login.header("Set-Cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/") && login.header("Location") == "/runs")
        #expect(!cookie.contains(Stack.adminToken))
        let offsite = try await stack.monitorRequest("POST", "/login", form: ["token": Stack.adminToken, "next": "//evil.example/"])
        #expect(offsite.header("Location") == "/")
        #expect(try await stack.monitorRequest("POST", "/logout", cookie: session.cookie, form: ["csrf": session.csrf]).status == 303)
        #expect(try await stack.monitorRequest("GET", "/", cookie: session.cookie).status == 303)
        await stack.stop()
    }

    @Test("live events reach /events, /metrics covers the whole system, and job history survives a monitor and Redis restart")
    func liveMetricsHistory() async throws {
        let (stack, detail) = try await Self.syncedStack(accounts: 2)
        let url = try stack.monitorURL
        async let stream = EventStreamReader.read(url: url, path: "/events", token: Stack.readToken, for: .seconds(3))
        try await Task.sleep(for: .milliseconds(800))  // let the stream open before something happens
        _ = try await stack.monitor().call(MonitorAPI.pauseQueue, BrokerQueue(broker: "SANDBOX"))
        let received = try await stream
        #expect(received.contains("text/event-stream"))
        #expect(received.contains("event: queue") && received.contains("\"kind\":\"queue.paused\""), "\(received.prefix(600))")
        _ = try await stack.monitor().call(MonitorAPI.resumeQueue, BrokerQueue(broker: "SANDBOX"))

        var metrics = ""
        try await eventually(timeout: .seconds(15), "the monitor's gauges to cover the sync") {
            metrics = try await stack.monitorRequest("GET", "/metrics", token: Stack.readToken).text
            return metrics.contains("psync_jobs{broker=\"SANDBOX\",status=\"succeeded\"} 2")
        }
        #expect(metrics.contains("psync_stream_length{stream=\"psync:{broker:SANDBOX}:jobs\"} 2"))
        #expect(metrics.contains("psync_stream_pending{stream=\"psync:{broker:SANDBOX}:jobs\",group=\"gateways\"} 0"))
        #expect(metrics.contains("psync_workers_alive{service=\"psync-gateway\",broker=\"SANDBOX\"} 1"))
        #expect(metrics.contains("psync_runs{status=\"finished\"} 1") && metrics.contains("psync_dead_letters 0"))
        #expect(metrics.contains("psync_runs_finished{outcome=\"succeeded\"} 1") && metrics.contains("psync_runs_finished{outcome=\"failed\"} 0"))
        // The gateways' own metrics, federated: jobs by broker and outcome, the job duration histogram.
        try await eventually(timeout: .seconds(15), "the workers' metrics to be federated") {
            metrics = try await stack.monitorRequest("GET", "/metrics", token: Stack.readToken).text
            return metrics.contains("psync_jobs_total{broker=\"SANDBOX\",outcome=\"succeeded\"} 2")
        }
        #expect(metrics.contains("# TYPE psync_job_duration_seconds histogram"), "\(metrics.suffix(1500))")
        #expect(metrics.contains("psync_job_duration_seconds_count{broker=\"SANDBOX\"} 2"))
        #expect(metrics.contains("psync_rate_limiter_wait_seconds_count{broker=\"SANDBOX\"}"))
        #expect(metrics.contains("psync_broker_http_responses_total{broker=\"SANDBOX\",status=\"200\"} 2"))

        let jobIDs = try await stack.monitor().call(MonitorAPI.jobs, ListJobs(runID: detail.run.id)).items.map(\.id)
        // A browser still listening to /events does not hold up a graceful stop.
        async let listening = EventStreamReader.read(url: url, path: "/events", token: Stack.readToken, for: .seconds(8))
        try await Task.sleep(for: .milliseconds(500))
        let stopTook = await stack.running("psync-monitor")[0].child.stop()
        #expect(stopTook < .seconds(4), "stopping with an open event stream took \(stopTook)")
        _ = try await listening
        _ = try await stack.redis.send(["FLUSHALL"])
        try await stack.launch("psync-monitor")
        let after = try await stack.monitor(token: Stack.readToken).call(MonitorAPI.jobs, ListJobs(runID: detail.run.id))
        #expect(after.items.map(\.id) == jobIDs)
        let page = try await stack.monitorRequest("GET", "/jobs/\(jobIDs[0])", token: Stack.readToken)
        #expect(page.status == 200 && page.text.contains("badge ok\">succeeded"))
        let runPage = try await stack.monitorRequest("GET", "/runs/\(detail.run.id)", token: Stack.readToken)
        #expect(runPage.text.contains("id=\"run-succeeded\">2<"))
        await stack.stop()
    }
}
