public import Contracts
public import CurlClient
import ExactDecimal

/// The one typed client for every RPC: it calls `Endpoint` values, so it cannot drift from the server.
///
/// ```swift
/// let persistence = RPCClient(baseURL: "http://127.0.0.1:7102", token: adminToken, client: HTTPClient())
/// let user = try await persistence.call(PersistenceAPI.createUser, .init(email: "a@example.com", name: "A"))
/// ```
public struct RPCClient<Transport: RPCTransport>: Sendable {
    /// How requests travel.
    public let transport: Transport
    private let token: String?

    /// A client over `transport`, sending `token` as a bearer token.
    public init(transport: Transport, token: String?) {
        self.transport = transport
        self.token = token
    }

    /// Calls `endpoint` with `request`; throws `RPCError` with the server's message on failure.
    @discardableResult
    public func call<Request, Response>(_ endpoint: Endpoint<Request, Response>, _ request: Request) async throws -> Response {
        let outgoing = try makeRequest(endpoint, request)
        let response: RPCResponse
        do {
            response = try await transport.send(outgoing)
        } catch let error as RPCError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RPCError(kind: .unreachable, status: nil, code: nil, message: "\(endpoint): \(error)")
        }
        return try decode(endpoint, response)
    }

    /// Calls an endpoint that takes no request fields.
    @discardableResult
    public func call<Response>(_ endpoint: Endpoint<Empty, Response>) async throws -> Response {
        try await call(endpoint, Empty())
    }

    private func makeRequest<Request, Response>(_ endpoint: Endpoint<Request, Response>, _ request: Request) throws -> RPCRequest {
        let pathParameters = endpoint.pathParameters
        var target = endpoint.path
        if !pathParameters.isEmpty {
            let fields = try JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(request))
            for name in pathParameters {
                let value: String
                switch fields[name] {
                case .string(let text): value = text
                case .number(let number): value = number.exactText
                case .bool(let flag): value = flag ? "true" : "false"
                default:
                    throw RPCError(kind: .invalidResponse, status: nil, code: nil, message: "\(endpoint) needs a value for '\(name)'")
                }
                target = target.replacingPlaceholder("{\(name)}", with: ParameterEncoder.escape(value))
            }
        }
        var headers: [(String, String)] = [
            ("Accept", "application/json"),
            (RequestID.header, RequestID.current ?? RequestID.make()),
        ]
        if let actor = RequestActor.current { headers.append((RequestActor.header, actor)) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var body: [UInt8]?
        if endpoint.usesQuery {
            let query = try ParameterEncoder().queryString(request, excluding: Set(pathParameters))
            if !query.isEmpty { target += "?" + query }
        } else {
            headers.append(("Content-Type", "application/json"))
            body = try JSONCoding.encode(request)
        }
        return RPCRequest(method: endpoint.method.rawValue, target: target, headers: headers, body: body)
    }

    private func decode<Request, Response>(_ endpoint: Endpoint<Request, Response>, _ response: RPCResponse) throws -> Response {
        guard (200..<300).contains(response.status) else {
            if let envelope = try? JSONCoding.decode(ErrorEnvelope.self, from: response.body) {
                throw RPCError(envelope.error, status: response.status)
            }
            let snippet = String(decoding: response.body.prefix(120), as: UTF8.self)
            throw RPCError(
                kind: .invalidResponse, status: response.status, code: nil, message: "\(endpoint) answered without an error envelope: \(snippet)")
        }
        if Response.self == Empty.self, response.body.isEmpty { return Empty() as! Response }
        do {
            return try JSONCoding.decode(Response.self, from: response.body)
        } catch let error as DecodingError {
            throw RPCError(kind: .invalidResponse, status: response.status, code: nil, message: "\(endpoint): \(error.fieldMessage)")
        }
    }
}

extension RPCClient where Transport == CurlTransport {
    /// A client for the service at `baseURL` over libcurl.
    public init(baseURL: String, token: String?, client: HTTPClient, timeout: Duration? = nil) {
        self.init(transport: CurlTransport(baseURL: baseURL, client: client, timeout: timeout), token: token)
    }
}

extension String {
    func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
        guard let range = firstRange(of: placeholder) else { return self }
        return String(self[..<range.lowerBound]) + value + String(self[range.upperBound...])
    }
}
