import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RPC
import ServiceKit

struct EchoRequest: Codable, Sendable {
    var text: String
    var repeatCount: Int
}

struct EchoResponse: Codable, Sendable, Equatable {
    var text: String
    var requestID: String
    var scope: String
}

struct ItemRef: Codable, Sendable {
    var id: Int
    var includeHistory: Bool?
}

struct ItemUpdate: Codable, Sendable {
    var id: Int
    var label: String
}

struct Item: Codable, Sendable, Equatable {
    var id: Int
    var label: String
    var history: Bool
}

enum TestAPI {
    static let echo = Endpoint<EchoRequest, EchoResponse>(.post, "/v1/echo", scopes: .readers, summary: "Echo")
    static let adminOnly = Endpoint<Empty, Empty>(.post, "/v1/admin/thing", scopes: .administrators, summary: "Admins only")
    static let serviceOnly = Endpoint<Empty, Empty>(.get, "/v1/internal/thing", scopes: [.dispatcher], summary: "The dispatcher only")
    static let getItem = Endpoint<ItemRef, Item>(.get, "/v1/items/{id}", scopes: .readers, summary: "Get an item")
    static let updateItem = Endpoint<ItemUpdate, Item>(.patch, "/v1/items/{id}", scopes: .administrators, summary: "Rename an item")
    static let disableItem = Endpoint<ItemRef, Item>(.post, "/v1/items/{id}/disable", scopes: .administrators, summary: "Disable")
    static let crash = Endpoint<Empty, Empty>(.post, "/v1/crash", scopes: .readers, summary: "Fails unexpectedly")
}

enum Tokens {
    static let admin = "admin-token-0123456789abcdef"
    static let read = "read-token-0123456789abcdef"
    static let dispatcher = "dispatcher-token-0123456789abcdef"
    static let gateway = "gateway-token-0123456789abcdef"
    static let set = TokenSet(
        own: dispatcher,
        accepting: [
            (Principal(.admin), admin), (Principal(.read), read), (Principal(.dispatcher), dispatcher),
            (Principal(.gateway, broker: "SANDBOX"), gateway),
        ])
}

struct SecretFailure: Error, CustomStringConvertible {
    var description: String { "connection string postgres://user:hunter2@db leaked into an error" }
}

/// A service with the test endpoints, on port 0.
func makeTestService(readiness: [ReadinessCheck] = []) -> ServiceApp {
    var configuration = ServiceConfiguration(defaultPort: 0)
    configuration.tokens = Tokens.set
    let app = ServiceApp(
        identity: ServiceIdentity(service: "psync-test"),
        configuration: configuration,
        metrics: MetricsRegistry(),
        readiness: readiness,
        logger: Logger(label: "test")
    )
    app.router.on(TestAPI.echo) { request, context in
        EchoResponse(
            text: String(repeating: request.text, count: request.repeatCount),
            requestID: RequestID.current ?? "none",
            scope: context.principal?.identity ?? "none"
        )
    }
    app.router.on(TestAPI.adminOnly) { _, _ in Empty() }
    app.router.on(TestAPI.serviceOnly) { _, _ in Empty() }
    app.router.on(TestAPI.getItem) { request, _ in
        guard request.id < 1000 else { throw APIError.notFound("item \(request.id) does not exist") }
        return Item(id: request.id, label: "item", history: request.includeHistory ?? false)
    }
    app.router.on(TestAPI.updateItem) { request, _ in Item(id: request.id, label: request.label, history: false) }
    app.router.on(TestAPI.disableItem) { request, _ in Item(id: request.id, label: "disabled", history: false) }
    app.router.on(TestAPI.crash) { _, _ in throw SecretFailure() }
    return app
}

/// An `RPCTransport` over HummingbirdTesting's client, so the same RPC client runs in router mode too.
struct TestClientTransport: RPCTransport {
    let client: any TestClientProtocol

    func send(_ request: RPCRequest) async throws -> RPCResponse {
        var headers = HTTPFields()
        for (name, value) in request.headers { headers[HTTPField.Name(name)!] = value }
        let response = try await client.executeRequest(
            uri: request.target,
            method: HTTPRequest.Method(rawValue: request.method)!,
            headers: headers,
            body: request.body.map { ByteBuffer(bytes: $0) }
        )
        return RPCResponse(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name.rawName, $0.value) },
            body: Array(response.body.readableBytesView)
        )
    }
}
