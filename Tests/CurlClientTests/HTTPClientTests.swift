import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// A local server: `/slow` waits 200 ms, `/echo` returns the body and method, `/headers` echoes a header.
func makeTestServer() -> some ApplicationProtocol {
    let router = Router()
    router.get("/slow") { _, _ in
        try await Task.sleep(for: .milliseconds(200))
        return "done"
    }
    router.on("/echo", method: .post) { request, _ in
        let body = try await request.body.collect(upTo: 1 << 20)
        return Response(status: .created, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
    }
    router.on("/echo", method: .put) { request, _ in "PUT \(request.headers[.contentType] ?? "")" }
    router.get("/headers") { request, _ in
        Response(
            status: .ok, headers: [HTTPField.Name("X-Reply")!: request.headers[HTTPField.Name("X-Probe")!] ?? "none"],
            body: .init(byteBuffer: ByteBuffer(string: "ok")))
    }
    router.get("/big") { _, _ in String(repeating: "x", count: 2 << 20) }
    router.get("/hang") { _, _ in
        try await Task.sleep(for: .seconds(2))
        return "late"
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

/// Threads of this process that run an HTTP client's loop (named `curl-multi`): other suites running alongside open
/// Redis and Postgres connections, each on a thread of its own, so the process's whole count says nothing here.
func threadCount() -> Int {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.count { task in
        (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.hasPrefix("curl-multi") == true
    }
}

@Suite("HTTP client on libcurl's multi interface")
struct HTTPClientTests {
    @Test("256 concurrent 200 ms requests finish together, on a handful of threads")
    func concurrency() async throws {
        try await makeTestServer().test(.live) { server in
            let base = "http://127.0.0.1:\(server.port!)"
            let client = HTTPClient()
            defer { client.shutdown() }
            _ = try await client.execute(HTTPClientRequest(url: base + "/slow"))
            let threadsBefore = threadCount()
            #expect(threadsBefore >= 1, "the client's loop thread is not named curl-multi")
            let clock = ContinuousClock()
            let start = clock.now
            let peak = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<256 {
                    group.addTask {
                        let response = try await client.execute(HTTPClientRequest(url: base + "/slow"))
                        #expect(response.status == 200 && response.text == "done")
                        return threadCount()
                    }
                }
                var peak = 0
                for try await threads in group { peak = max(peak, threads) }
                return peak
            }
            let elapsed = clock.now - start
            // Serially this would take 256 × 200 ms = 51 s.
            #expect(elapsed < .seconds(5), "256 requests took \(elapsed)")
            #expect(peak - threadsBefore <= 4, "threads grew from \(threadsBefore) to \(peak)")
        }
    }

    @Test("keep-alive reuses one connection for sequential requests")
    func keepAlive() async throws {
        try await makeTestServer().test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            for _ in 0..<20 {
                let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port!)/headers"))
                #expect(response.status == 200)
            }
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test("methods, bodies, status and headers")
    func requestsAndResponses() async throws {
        try await makeTestServer().test(.live) { server in
            let base = "http://127.0.0.1:\(server.port!)"
            let client = HTTPClient()
            defer { client.shutdown() }
            let payload = [UInt8]((0..<70_000).map { UInt8($0 % 251) })
            let echoed = try await client.execute(HTTPClientRequest(method: "POST", url: base + "/echo", body: payload))
            #expect(echoed.status == 201)
            #expect(echoed.body == payload)
            #expect(echoed.header("content-type") == "application/octet-stream")
            let put = try await client.execute(
                HTTPClientRequest(method: "PUT", url: base + "/echo", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
            )
            #expect(put.text == "PUT application/json")
            let headers = try await client.execute(HTTPClientRequest(url: base + "/headers", headers: [("X-Probe", "hello")]))
            #expect(headers.header("X-REPLY") == "hello")
            let missing = try await client.execute(HTTPClientRequest(url: base + "/nowhere"))
            #expect(missing.status == 404)
        }
    }

    @Test("timeouts, refused connections and oversized responses fail with their kind")
    func failures() async throws {
        try await makeTestServer().test(.live) { server in
            let base = "http://127.0.0.1:\(server.port!)"
            var configuration = HTTPClient.Configuration()
            configuration.maximumResponseSize = 1 << 20
            let client = HTTPClient(configuration: configuration)
            defer { client.shutdown() }
            await #expect { try await client.execute(HTTPClientRequest(url: base + "/hang", timeout: .milliseconds(300))) } throws: { error in
                (error as? HTTPClientError)?.kind == .timeout
            }
            let closedPort = try freePort()
            await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(closedPort)/")) } throws: { error in
                (error as? HTTPClientError)?.kind == .connect
            }
            await #expect { try await client.execute(HTTPClientRequest(url: base + "/big")) } throws: { error in
                (error as? HTTPClientError)?.kind == .responseTooLarge
            }
            #expect(try await client.execute(HTTPClientRequest(url: base + "/headers")).status == 200)
        }
    }

    @Test("a cancelled task aborts its transfer promptly")
    func cancellation() async throws {
        try await makeTestServer().test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            let clock = ContinuousClock()
            let start = clock.now
            let task = Task { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port!)/hang")) }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(clock.now - start < .seconds(3))
        }
    }
}
