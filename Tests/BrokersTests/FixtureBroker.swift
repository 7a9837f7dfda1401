import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A local HTTP server answering broker paths with canned responses: Zerodha's official mock
/// files, or whatever a test scripts (errors, HTML pages, cut-off bodies).
final class FixtureBroker: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var body: String
        var contentType = "application/json"
        var headers: [(String, String)] = []
        var delay: Duration = .zero
    }

    /// Requests seen: method, path with query, headers.
    let seen = Mutex<[(String, String, [String: String])]>([])
    private let replies = Mutex<[String: [Reply]]>([:])

    /// A fixture of our own under `Tests/BrokersTests/Fixtures/`, e.g. `kite/holdings.json`.
    static func fixture(_ name: String) throws -> String {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the test bundle has no Fixtures folder"])
        }
        return try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// Zerodha's official mock responses, an optional second check: `PSYNC_KITE_MOCKS`, else `shared/fixtures/kite-mocks`
    /// beside the repository (or beside one of its parents); `nil` when neither is there. They are not copied into the
    /// repository: they carry no licence.
    static let officialKiteMocks: URL? = {
        if let path = ProcessInfo.processInfo.environment["PSYNC_KITE_MOCKS"] {
            return FileManager.default.fileExists(atPath: path + "/holdings.json") ? URL(fileURLWithPath: path) : nil
        }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            let candidate = directory.appendingPathComponent("shared/fixtures/kite-mocks")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("holdings.json").path) { return candidate }
        }
        return nil
    }()

    /// Answers `path` with `replies` in turn (the last one repeats).
    func on(_ path: String, _ replies: Reply...) {
        self.replies.withLock { $0[path] = replies }
    }

    func reply(for path: String) -> Reply {
        replies.withLock { table in
            guard var queue = table[path], !queue.isEmpty else {
                return Reply(status: .notFound, body: #"{"status":"error","message":"no fixture"}"#)
            }
            let next = queue[0]
            if queue.count > 1 {
                queue.removeFirst()
                table[path] = queue
            }
            return next
        }
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("**") { request, _ in try await self.respond(request) }
        router.post("**") { request, _ in try await self.respond(request) }
        router.delete("**") { request, _ in try await self.respond(request) }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    private func respond(_ request: Request) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.rawName] = field.value }
        seen.withLock { $0.append((request.method.rawValue, request.uri.description, headers)) }
        let reply = reply(for: request.uri.path)
        if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
        var fields = HTTPFields()
        fields[.contentType] = reply.contentType
        for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: reply.status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }
}
