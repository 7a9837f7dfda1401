public import Contracts
import FoundationEssentials
import HTTPTypes
public import Hummingbird
import NIOCore

extension RouterMethods where Context == ServiceRequestContext {
    /// Serves `endpoint`: checks the caller's scope, decodes the request, runs `handler`, encodes its answer.
    ///
    /// ```swift
    /// router.on(PersistenceAPI.createUser) { request, context in try await users.create(request) }
    /// ```
    @discardableResult
    public func on<Request, Response>(
        _ endpoint: Endpoint<Request, Response>,
        use handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Response
    ) -> Self {
        if let router = self as? Router<ServiceRequestContext> { EndpointCatalog.of(router)?.add(EndpointDescription(endpoint)) }
        return on(RouterPath(endpoint.path), method: HTTPRequest.Method(rawValue: endpoint.method.rawValue)!) { request, context in
            try context.authorize(endpoint.scopes)
            let decoded = try await EndpointCodec.decode(endpoint, request: request, context: context)
            return try EndpointCodec.response(try await handler(decoded, context))
        }
    }
}

/// Request decoding and response encoding for endpoints.
enum EndpointCodec {
    static func decode<Request, Response>(
        _ endpoint: Endpoint<Request, Response>,
        request: Hummingbird.Request,
        context: ServiceRequestContext
    ) async throws -> Request {
        var pathValues: [String: [String]] = [:]
        for name in endpoint.pathParameters {
            if let value = context.parameters.get(name) { pathValues[name] = [value] }
        }
        if endpoint.usesQuery {
            let query = ParameterDecoder.parse(query: request.uri.query ?? "")
            return try ParameterDecoder().decode(Request.self, from: query.merging(pathValues) { _, path in path })
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        if body.readableBytes == 0 {
            if Request.self == Empty.self { return Empty() as! Request }
            if !pathValues.isEmpty { return try ParameterDecoder().decode(Request.self, from: pathValues) }
            throw APIError.badRequest("the request needs a JSON body")
        }
        let bytes = Array(body.readableBytesView)
        guard !pathValues.isEmpty else { return try JSONCoding.decode(Request.self, from: bytes) }
        return try JSONCoding.decode(Request.self, from: try merge(pathValues, into: bytes))
    }

    /// Adds path parameters to a JSON object body; a body value that contradicts the path is refused.
    private static func merge(_ pathValues: [String: [String]], into body: [UInt8]) throws -> [UInt8] {
        guard case .object(var fields) = try JSONCoding.decode(JSONValue.self, from: body) else {
            throw APIError.badRequest("the body must be a JSON object")
        }
        for (name, values) in pathValues {
            guard let text = values.first else { continue }
            let pathValue: JSONValue = Int(text).map { .number(Decimal($0)) } ?? .string(text)
            if let existing = fields[name], existing != pathValue, existing != .string(text) {
                throw APIError.badRequest("field '\(name)' in the body does not match the path (\(text))")
            }
            fields[name] = pathValue
        }
        return try JSONCoding.encode(JSONValue.object(fields))
    }

    static func response(_ value: some Encodable) throws -> Hummingbird.Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONCoding.encode(value))))
    }
}
