import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A server that misbehaves: a body that drips, one that never ends, one declared too large, a flood
/// of headers; `/count` counts the requests that reached it.
func makeHostileServer(requests: RequestCounter = RequestCounter()) -> some ApplicationProtocol {
    let router = Router()
    router.get("/count") { _, _ in
        requests.count.add(1, ordering: .relaxed)
        return "counted"
    }
    router.get("/drip") { _, _ in
        Response(
            status: .ok,
            body: ResponseBody { writer in
                for _ in 0..<600 {
                    try await writer.write(ByteBuffer(string: " "))
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await writer.finish(nil)
            })
    }
    router.get("/endless") { _, _ in
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)
        return Response(
            status: .ok,
            body: ResponseBody { writer in
                for _ in 0..<(1 << 14) { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }
    router.get("/declared") { _, _ in
        Response(
            status: .ok,
            body: ResponseBody(contentLength: 100 << 20) { writer in
                try await writer.write(ByteBuffer(string: "{"))
                try await Task.sleep(for: .seconds(3))
                try await writer.finish(nil)
            })
    }
    router.get("/headers-flood") { _, _ in
        var headers = HTTPFields()
        for index in 0..<400 { headers.append(HTTPField(name: HTTPField.Name("X-Filler-\(index)")!, value: String(repeating: "v", count: 1000))) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "ok")))
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

/// Requests that reached the server.
final class RequestCounter: Sendable {
    let count = Atomic<Int>(0)
}

@Suite("HTTP client against a hostile server")
struct HostileServerTests {
    @Test("only http and https: file, ftp, gopher and dict URLs are refused before libcurl sees them")
    func protocols() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        for url in [
            "file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "dict://127.0.0.1/", "FILE:///etc/hostname", "http:/x", "127.0.0.1/",
        ] {
            await #expect { try await client.execute(HTTPClientRequest(url: url)) } throws: { error in
                let error = error as? HTTPClientError
                return error?.kind == .invalidRequest && error?.message.hasPrefix("only http and https URLs are allowed") == true
            }
        }
    }

    @Test("a header value with CR, LF or NUL is refused and nothing is sent; the value never shows in the error")
    func headerInjection() async throws {
        let requests = RequestCounter()
        try await makeHostileServer(requests: requests).test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            let url = "http://127.0.0.1:\(server.port!)/count"
            for value in ["token abc\r\nX-Injected: 1", "token abc\nX-Injected: 1", "token abc\r", "token\u{0}abc"] {
                await #expect { try await client.execute(HTTPClientRequest(url: url, headers: [("Authorization", value)])) } throws: { error in
                    let error = error as? HTTPClientError
                    return error?.kind == .invalidRequest && error?.message == "header 'Authorization' has a CR, LF or NUL in its value"
                        && !"\(error!)".contains("abc")
                }
            }
            for name in ["X-Evil\r\nX-Injected", "Bad Name", "Colon:", ""] {
                await #expect { try await client.execute(HTTPClientRequest(url: url, headers: [(name, "v")])) } throws: { error in
                    (error as? HTTPClientError)?.kind == .invalidRequest
                }
            }
            await #expect { try await client.execute(HTTPClientRequest(url: url + "?a=b\r\nX: y")) } throws: { error in
                (error as? HTTPClientError)?.kind == .invalidRequest
            }
            await #expect { try await client.execute(HTTPClientRequest(method: "GET /x HTTP/1.1\r\n", url: url)) } throws: { error in
                (error as? HTTPClientError)?.kind == .invalidRequest
            }
            #expect(requests.count.load(ordering: .relaxed) == 0)
            let allowed = try await client.execute(HTTPClientRequest(url: url, headers: [("Authorization", "token a:b\tc")]))
            #expect(allowed.status == 200)
            #expect(requests.count.load(ordering: .relaxed) == 1)
        }
    }

    @Test("a body that drips ends at the call's total timeout")
    func drip() async throws {
        try await makeHostileServer().test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port!)/drip", timeout: .milliseconds(700)))
            } throws: { error in
                (error as? HTTPClientError)?.kind == .timeout
            }
            #expect(clock.now - start < .seconds(3))
        }
    }

    @Test("bodies over the request's cap are refused: streamed without a length, or declared too large up front")
    func bodyCap() async throws {
        try await makeHostileServer().test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            let base = "http://127.0.0.1:\(server.port!)"
            let clock = ContinuousClock()
            var start = clock.now
            await #expect { try await client.execute(HTTPClientRequest(url: base + "/endless", maximumResponseSize: 1 << 20)) } throws: { error in
                let error = error as? HTTPClientError
                return error?.kind == .responseTooLarge && error?.message == "the response is larger than 1048576 bytes"
            }
            #expect(clock.now - start < .seconds(5))
            start = clock.now
            await #expect { try await client.execute(HTTPClientRequest(url: base + "/declared", maximumResponseSize: 1 << 20)) } throws: { error in
                (error as? HTTPClientError)?.kind == .responseTooLarge
            }
            #expect(clock.now - start < .milliseconds(1500), "a declared length over the cap is refused before the body arrives")
        }
    }

    @Test("a flood of response headers is refused")
    func headerFlood() async throws {
        try await makeHostileServer().test(.live) { server in
            let client = HTTPClient()
            defer { client.shutdown() }
            await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port!)/headers-flood")) } throws: { error in
                let error = error as? HTTPClientError
                return error?.kind == .responseTooLarge && error?.message.contains("headers") == true
            }
        }
    }
}
