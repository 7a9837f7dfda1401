import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("HTTP client: pinned addresses and redirects")
struct PinnedAddressTests {
    @Test("a resolve entry connects a name no DNS knows to the pinned address; without it the name does not resolve")
    func resolvePinsTheAddress() async throws {
        try await makeTestServer().test(.live) { server in
            let port = server.port!
            let client = HTTPClient()
            defer { client.shutdown() }
            let pinned = try await client.execute(
                HTTPClientRequest(url: "http://receiver.invalid:\(port)/headers", resolve: ["receiver.invalid:\(port):127.0.0.1"]))
            #expect(pinned.status == 200 && pinned.text == "ok")
            // The next request to the same name pins again (the entry replaces, it does not pile up); no entry, no address.
            let again = try await client.execute(
                HTTPClientRequest(url: "http://receiver.invalid:\(port)/slow", resolve: ["receiver.invalid:\(port):127.0.0.1"]))
            #expect(again.text == "done")
            await #expect { try await client.execute(HTTPClientRequest(url: "http://elsewhere.invalid:\(port)/headers")) } throws: { error in
                (error as? HTTPClientError)?.kind == .connect
            }
        }
    }

    @Test("a resolve entry with a space or a control character is refused before anything is sent")
    func malformedResolve() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        for entry in ["receiver.invalid:80:127.0.0.1\r\nX: y", "receiver.invalid 80 127.0.0.1", "", "no-colons"] {
            await #expect { try await client.execute(HTTPClientRequest(url: "http://receiver.invalid/", resolve: [entry])) } throws: { error in
                (error as? HTTPClientError)?.kind == .invalidRequest
            }
        }
    }

    @Test("a redirect is never followed: the 302 is the answer")
    func redirectsAreNotFollowed() async throws {
        let router = Router()
        router.get("/moved") { _, _ in
            Response(status: .found, headers: [.location: "/target"], body: .init(byteBuffer: ByteBuffer(string: "moved")))
        }
        router.get("/target") { _, _ in "target" }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { server in
            var configuration = HTTPClient.Configuration()
            configuration.usesProxyEnvironment = false
            let client = HTTPClient(configuration: configuration)
            defer { client.shutdown() }
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port!)/moved"))
            #expect(response.status == 302 && response.header("location") == "/target" && response.text == "moved")
        }
    }
}
