import Contracts
import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RPC
import ServiceKit
import Testing

@Suite("RPC: endpoints, auth, decoding and the error envelope")
struct RPCTests {
    @Test("the typed client calls endpoints over libcurl against a live server")
    func typedClientLive() async throws {
        try await makeTestService().makeApplication().test(.live) { client in
            let http = HTTPClient()
            defer { http.shutdown() }
            try await exerciseTypedClient(RPCClient(baseURL: "http://127.0.0.1:\(client.port!)", token: Tokens.admin, client: http))
        }
    }

    @Test("the same typed client runs against the router in process")
    func typedClientRouter() async throws {
        try await makeTestService().makeApplication().test(.router) { client in
            try await exerciseTypedClient(RPCClient(transport: TestClientTransport(client: client), token: Tokens.admin))
        }
    }

    private func exerciseTypedClient<T: RPCTransport>(_ rpc: RPCClient<T>) async throws {
        let echoed = try await RequestID.$current.withValue("req-from-cli-1") {
            try await rpc.call(TestAPI.echo, EchoRequest(text: "ab", repeatCount: 3))
        }
        #expect(echoed == EchoResponse(text: "ababab", requestID: "req-from-cli-1", scope: "admin"))
        #expect(try await rpc.call(TestAPI.getItem, ItemRef(id: 7, includeHistory: true)) == Item(id: 7, label: "item", history: true))
        #expect(try await rpc.call(TestAPI.updateItem, ItemUpdate(id: 9, label: "renamed")) == Item(id: 9, label: "renamed", history: false))
        #expect(try await rpc.call(TestAPI.disableItem, ItemRef(id: 5)).label == "disabled")
        do {
            _ = try await rpc.call(TestAPI.getItem, ItemRef(id: 4242))
            Issue.record("expected not found")
        } catch let error as RPCError {
            #expect(error.kind == .server && error.status == 404 && error.code == "not_found")
            #expect(error.message == "item 4242 does not exist")
        }
    }

    @Test("no token is 401, an unknown token is 401, a read token on an admin endpoint is 403")
    func authorization() async throws {
        try await makeTestService().makeApplication().test(.router) { client in
            let anonymous = try await client.execute(uri: "/v1/admin/thing", method: .post)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(try envelope(anonymous).code == "unauthorized")
            let unknown = try await client.execute(uri: "/v1/admin/thing", method: .post, headers: [.authorization: "Bearer not-a-token"])
            #expect(unknown.status == .unauthorized)
            #expect(try envelope(unknown).message == "the bearer token is not valid")
            let reader = try await client.execute(uri: "/v1/admin/thing", method: .post, headers: [.authorization: "Bearer \(Tokens.read)"])
            #expect(reader.status == .forbidden)
            #expect(try envelope(reader).message == "this is for admin only; yours is the read token")
            let admin = try await client.execute(uri: "/v1/admin/thing", method: .post, headers: [.authorization: "Bearer \(Tokens.admin)"])
            #expect(admin.status == .ok)
            let adminOnServiceEndpoint = try await client.execute(
                uri: "/v1/internal/thing", method: .get, headers: [.authorization: "Bearer \(Tokens.admin)"])
            #expect(adminOnServiceEndpoint.status == .forbidden)
            let service = try await client.execute(uri: "/v1/internal/thing", method: .get, headers: [.authorization: "Bearer \(Tokens.dispatcher)"])
            #expect(service.status == .ok)
            let other = try await client.execute(uri: "/v1/internal/thing", method: .get, headers: [.authorization: "Bearer \(Tokens.gateway)"])
            #expect(other.status == .forbidden)
            #expect(try envelope(other).message == "this is for dispatcher only; yours is the gateway:SANDBOX token")
        }
    }

    @Test("malformed input gets a 400 envelope naming the problem, never a 500")
    func badInput() async throws {
        try await makeTestService().makeApplication().test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(Tokens.admin)", .contentType: "application/json"]
            let cases: [(String, HTTPRequest.Method, String?, String)] = [
                ("/v1/echo", .post, "{not json", "the body is not valid JSON"),
                ("/v1/echo", .post, #"{"text":"a"}"#, "field 'repeatCount' is required"),
                ("/v1/echo", .post, #"{"text":"a","repeatCount":"three"}"#, "field 'repeatCount' must be an integer"),
                ("/v1/echo", .post, "[1,2]", "the body must be a JSON object"),
                ("/v1/echo", .post, nil, "the request needs a JSON body"),
                ("/v1/items/abc", .get, nil, "field 'id' must be an integer, got 'abc'"),
                ("/v1/items/3?includeHistory=maybe", .get, nil, "field 'includeHistory' must be true or false, got 'maybe'"),
                ("/v1/items/3", .patch, #"{"id":4,"label":"x"}"#, "field 'id' in the body does not match the path (3)"),
            ]
            for (uri, method, body, message) in cases {
                let response = try await client.execute(uri: uri, method: method, headers: auth, body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == .badRequest, "\(method) \(uri) \(body ?? "")")
                #expect(try envelope(response).code == "bad_request")
                #expect(try envelope(response).message == message, "\(method) \(uri)")
            }
        }
    }

    @Test("unknown routes are 404, oversized bodies 413, unexpected failures a 500 that reveals nothing")
    func otherErrors() async throws {
        try await makeTestService().makeApplication().test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(Tokens.admin)", .contentType: "application/json"]
            let missing = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: auth)
            #expect(missing.status == .notFound)
            #expect(try envelope(missing).code == "not_found")
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 17 << 20)
            let tooLarge = try await client.execute(uri: "/v1/echo", method: .post, headers: auth, body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try envelope(tooLarge).message == "the request body is larger than 16 MiB")
            let crash = try await client.execute(
                uri: "/v1/crash", method: .post, headers: auth.merging([HTTPField(name: HTTPField.Name("x-request-id")!, value: "trace-42")]))
            #expect(crash.status == .internalServerError)
            let body = String(buffer: crash.body)
            #expect(try envelope(crash).message == "internal error; quote request id trace-42 when reporting it")
            #expect(!body.contains("hunter2") && !body.contains("SecretFailure"))
            #expect(crash.headers[HTTPField.Name("x-request-id")!] == "trace-42")
        }
    }

    @Test("an unreachable service is an RPCError of kind unreachable")
    func unreachable() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let rpc = RPCClient(baseURL: "http://127.0.0.1:1", token: Tokens.admin, client: client)
        await #expect { try await rpc.call(TestAPI.adminOnly) } throws: { error in
            (error as? RPCError)?.kind == .unreachable
        }
    }
}

func envelope(_ response: TestResponse) throws -> APIError {
    try JSONCoding.decode(ErrorEnvelope.self, from: Array(response.body.readableBytesView)).error
}

extension HTTPFields {
    func merging(_ fields: [HTTPField]) -> HTTPFields {
        var copy = self
        for field in fields { copy.append(field) }
        return copy
    }
}

@Suite("The API description")
struct APIDescriptionTests {
    @Test("GET /openapi.json describes every registered endpoint with its scopes, parameters and schemas; it needs a token")
    func openAPI() async throws {
        try await makeTestService().makeApplication().test(.router) { client in
            let anonymous = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(anonymous.status == .unauthorized)
            let response = try await client.execute(uri: "/openapi.json", method: .get, headers: [.authorization: "Bearer \(Tokens.read)"])
            #expect(response.status == .ok)
            let document = try JSONCoding.decode(JSONValue.self, from: Array(response.body.readableBytesView))
            guard case .object(let root) = document, case .object(let paths)? = root["paths"] else {
                Issue.record("no paths in \(document)")
                return
            }
            #expect(root["openapi"] == "3.1.0")
            for path in ["/v1/echo", "/v1/admin/thing", "/v1/internal/thing", "/v1/items/{id}", "/v1/items/{id}/disable", "/healthz", "/metrics"] {
                #expect(paths[path] != nil, "\(path) is not described")
            }
            // A valid token of the wrong identity gets 403 anywhere a token is needed (make fuzz found /metrics and
            // /openapi.json describing only 200 and 401), and each such operation says who may call it.
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for (method, operation) in operations {
                    guard case .object(let fields) = operation, fields["security"] != .array([]) else { continue }
                    guard case .object(let responses)? = fields["responses"] else {
                        Issue.record("\(method) \(path) has no responses")
                        continue
                    }
                    #expect(responses["403"] != nil, "\(method) \(path) needs a token but does not describe 403")
                    #expect(fields["x-psync-scopes"] != nil, "\(method) \(path) does not say who may call it")
                }
            }
            guard case .object(let metrics)? = paths["/metrics"], case .object(let metricsGet)? = metrics["get"],
                case .object(let document)? = paths["/openapi.json"], case .object(let documentGet)? = document["get"]
            else {
                Issue.record("/metrics or /openapi.json is not described")
                return
            }
            #expect(metricsGet["x-psync-scopes"] == ["read", "admin", "monitor"])
            #expect(documentGet["x-psync-scopes"] == ["read", "admin"])
            guard case .object(let item)? = paths["/v1/items/{id}"], case .object(let get)? = item["get"], case .object(let patch)? = item["patch"]
            else {
                Issue.record("GET and PATCH /v1/items/{id} are not both described")
                return
            }
            #expect(get["x-psync-scopes"] == ["read", "admin"])
            #expect(patch["x-psync-scopes"] == ["admin"])
            guard case .array(let parameters)? = get["parameters"] else {
                Issue.record("no parameters on GET /v1/items/{id}")
                return
            }
            let described = parameters.compactMap { parameter -> String? in
                guard case .object(let fields) = parameter, case .string(let name)? = fields["name"], case .string(let place)? = fields["in"] else {
                    return nil
                }
                return "\(place):\(name)"
            }
            #expect(Set(described) == ["path:id", "query:includeHistory"])
            #expect(patch["requestBody"] != nil)
        }
    }
}

@Suite("Slow clients")
struct SlowClientTests {
    /// Opens a TCP connection to 127.0.0.1:`port` and sends `text`, never finishing the request.
    static func dribble(port: Int, _ text: String) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected == 0 { _ = text.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
        return descriptor
    }

    @Test("256 clients that never finish their headers do not keep a normal request from being served at once")
    func slowLoris() async throws {
        try await makeTestService().makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let descriptors = (0..<256).map { _ in Self.dribble(port: port, "POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n") }
            defer { for descriptor in descriptors { close(descriptor) } }
            #expect(descriptors.allSatisfy { $0 >= 0 })
            let http = HTTPClient()
            defer { http.shutdown() }
            let started = ContinuousClock.now
            for _ in 0..<20 {
                let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz", timeout: .seconds(5)))
                #expect(response.status == 200)
            }
            #expect(ContinuousClock.now - started < .seconds(5), "20 requests took \(ContinuousClock.now - started) beside 256 slow clients")
        }
    }
}
