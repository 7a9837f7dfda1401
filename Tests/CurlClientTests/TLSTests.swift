import CurlClient
import Foundation
import TestSupport
import Testing

@Suite("TLS verification")
struct TLSTests {
    @Test("a self-signed certificate is refused by default and accepted only when verification is off")
    func verification() async throws {
        let openssl = try locateExecutable("openssl", install: "apt-get install -y openssl")
        let directory = try TemporaryDirectory.make(prefix: "psync-tls")
        let keygen = try ChildProcess(
            executable: openssl,
            arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
            ],
            logPath: directory + "/keygen.log"
        )
        #expect(await keygen.waitForExit(timeout: .seconds(30)))
        let port = try freePort()
        let server = try ChildProcess(
            executable: openssl,
            arguments: ["s_server", "-accept", String(port), "-cert", directory + "/cert.pem", "-key", directory + "/key.pem", "-www", "-quiet"],
            logPath: directory + "/server.log"
        )
        defer { Task { await server.stop() } }
        var lenient = HTTPClient.Configuration()
        lenient.verifyTLS = false
        let insecure = HTTPClient(configuration: lenient)
        let strict = HTTPClient()
        defer {
            insecure.shutdown()
            strict.shutdown()
        }
        let url = "https://127.0.0.1:\(port)/"
        try await eventually("openssl s_server to accept TLS") {
            (try? await insecure.execute(HTTPClientRequest(url: url)))?.status == 200
        }
        await #expect { try await strict.execute(HTTPClientRequest(url: url)) } throws: { error in
            (error as? HTTPClientError)?.kind == .tls
        }
    }
}
