public import Contracts
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// One endpoint a service serves, as its API description and the endpoint-walking tests see it.
public struct EndpointDescription: Sendable {
    public let method: Contracts.HTTPMethod
    public let path: String
    public let scopes: Set<Scope>
    public let summary: String
    public let usesQuery: Bool
    public let pathParameters: [String]
    /// JSON Schemas derived from the request and response types (see `JSONSchema`).
    public let request: JSONValue
    public let response: JSONValue
    public let requestIsEmpty: Bool

    init<Request, Response>(_ endpoint: Endpoint<Request, Response>) {
        method = endpoint.method
        path = endpoint.path
        scopes = endpoint.scopes
        summary = endpoint.summary
        usesQuery = endpoint.usesQuery
        pathParameters = endpoint.pathParameters
        request = JSONSchema.of(Request.self)
        response = JSONSchema.of(Response.self)
        requestIsEmpty = Request.self == Empty.self
    }
}

/// The endpoints registered on one router, in registration order. `ServiceApp` attaches one to its
/// router; `router.on(endpoint)` records into it, so the description lists exactly what is served.
public final class EndpointCatalog: Sendable {
    private let entries = Mutex<[EndpointDescription]>([])
    private static let byRouter = Mutex<[ObjectIdentifier: EndpointCatalog]>([:])

    init() {}

    /// Every endpoint registered so far.
    public var endpoints: [EndpointDescription] { entries.withLock { $0 } }

    func add(_ description: EndpointDescription) {
        entries.withLock { $0.append(description) }
    }

    static func attach(to router: Router<ServiceRequestContext>) -> EndpointCatalog {
        let catalog = EndpointCatalog()
        byRouter.withLock { $0[ObjectIdentifier(router)] = catalog }
        return catalog
    }

    static func of(_ router: Router<ServiceRequestContext>) -> EndpointCatalog? {
        byRouter.withLock { $0[ObjectIdentifier(router)] }
    }
}

/// The OpenAPI 3.1 document of a service, built from its catalog.
public enum OpenAPIDocument {
    /// The document for `service` serving `endpoints`, plus the health routes every service has.
    public static func build(service: String, version: String, endpoints: [EndpointDescription]) -> JSONValue {
        let errorSchema = JSONSchema.of(ErrorEnvelope.self)
        var paths: [String: [String: JSONValue]] = [:]
        for endpoint in endpoints {
            paths[endpoint.path, default: [:]][endpoint.method.rawValue.lowercased()] = operation(endpoint)
        }
        let health = { (summary: String) -> JSONValue in
            .object([
                "summary": .string(summary), "security": [],
                "responses": .object([
                    "200": response("healthy", JSONSchema.of(HealthReport.self)),
                    "503": response("a dependency is unreachable", JSONSchema.of(HealthReport.self)),
                ]),
            ])
        }
        paths["/healthz", default: [:]]["get"] = health("Alive (no token)")
        paths["/readyz", default: [:]]["get"] = health("Dependencies reachable (no token: ok or unavailable; any token: each dependency)")
        paths["/metrics", default: [:]]["get"] = .object([
            "summary": "Prometheus metrics (a read or admin token, or the monitor's)",
            "x-psync-scopes": .array(Set<Scope>.metricsReaders.sorted().map { .string($0.rawValue) }),
            "responses": .object([
                "200": .object([
                    "description": "text exposition format", "content": .object(["text/plain": .object(["schema": .object(["type": "string"])])]),
                ]),
                "401": response("no or unknown token", errorSchema),
                "403": response("the token's identity may not read metrics", errorSchema),
            ]),
        ])
        paths["/openapi.json", default: [:]]["get"] = .object([
            "summary": "This document (a read or admin token)",
            "x-psync-scopes": .array(Set<Scope>.readers.sorted().map { .string($0.rawValue) }),
            "responses": .object([
                "200": response("OpenAPI 3.1", .object(["type": "object"])), "401": response("no or unknown token", errorSchema),
                "403": response("a service's token may not read this document", errorSchema),
            ]),
        ])
        // The change feed's events, one versioned schema each, and the webhook requests that carry them.
        var schemas: [String: JSONValue] = ["ErrorEnvelope": errorSchema]
        var webhooks: [String: JSONValue] = [:]
        for type in FeedEventType.allCases {
            schemas[type.schemaName] = type.schema
            webhooks[type.rawValue] = .object([
                "post": .object([
                    "summary": .string("`\(type.rawValue)` to a webhook subscription (signed: see the Psync-Signature header)"),
                    "parameters": .array(
                        [
                            WebhookHeaders.signature, WebhookHeaders.eventID, WebhookHeaders.eventType, WebhookHeaders.deliveryID,
                            WebhookHeaders.attempt,
                        ]
                        .map { .object(["name": .string($0), "in": "header", "required": .bool(true), "schema": .object(["type": "string"])]) }),
                    "requestBody": .object([
                        "required": .bool(true),
                        "content": .object([
                            "application/json": .object(["schema": .object(["$ref": .string("#/components/schemas/\(type.schemaName)")])])
                        ]),
                    ]),
                    "responses": .object(["2XX": .object(["description": "received; any other answer is retried"])]),
                ])
            ])
        }
        return .object([
            "openapi": "3.1.0",
            "webhooks": .object(webhooks),
            "info": .object(["title": .string(service), "version": .string(version)]),
            "security": [.object(["bearer": []])],
            "components": .object([
                "securitySchemes": .object([
                    "bearer": .object([
                        "type": "http", "scheme": "bearer",
                        "description":
                            "A person's read or admin token, or a service's own token (PSYNC_SERVICE_TOKEN_FILE); x-psync-scopes lists who may call each operation.",
                    ])
                ]),
                "schemas": .object(schemas),
            ]),
            "paths": .object(paths.mapValues { .object($0) }),
        ])
    }

    private static func operation(_ endpoint: EndpointDescription) -> JSONValue {
        let errors = JSONValue.object(["$ref": "#/components/schemas/ErrorEnvelope"])
        var fields: [String: JSONValue] = [
            "summary": .string(endpoint.summary),
            "operationId": .string(operationID(endpoint)),
            "x-psync-scopes": .array(endpoint.scopes.sorted().map { .string($0.rawValue) }),
            "responses": .object([
                "200": response("success", endpoint.response),
                "400": response("the request is malformed; the message says what to change", errors),
                "401": response("no token, or an unknown one", errors),
                "403": response("the token's scope may not call this", errors),
                "404": response("no such resource", errors),
                "409": response("conflicts with the current state", errors),
                "413": response("the body is too large", errors),
                "422": response("a field is invalid; the message names it", errors),
                "429": response("too many requests", errors),
                "503": response("a dependency is unavailable; retry", errors),
            ]),
        ]
        let properties = objectProperties(endpoint.request)
        var parameters: [JSONValue] = endpoint.pathParameters.map { name in
            .object(["name": .string(name), "in": "path", "required": .bool(true), "schema": properties.schemas[name] ?? .object(["type": "string"])])
        }
        if endpoint.usesQuery {
            for name in properties.order where !endpoint.pathParameters.contains(name) {
                parameters.append(
                    .object([
                        "name": .string(name), "in": "query", "required": .bool(properties.required.contains(name)),
                        "schema": queryParameterSchema(properties.schemas[name] ?? .object([:])),
                    ]))
            }
        } else if !endpoint.requestIsEmpty {
            fields["requestBody"] = .object([
                "required": .bool(endpoint.pathParameters.isEmpty),
                "content": .object(["application/json": .object(["schema": endpoint.request])]),
            ])
        }
        if !parameters.isEmpty { fields["parameters"] = .array(parameters) }
        return .object(fields)
    }

    /// Query values are text on the wire; a nullable property is simply left out.
    private static func queryParameterSchema(_ schema: JSONValue) -> JSONValue {
        if case .object(let fields) = schema, case .array(let options)? = fields["anyOf"], let first = options.first { return first }
        return schema
    }

    private static func objectProperties(_ schema: JSONValue) -> (order: [String], schemas: [String: JSONValue], required: Set<String>) {
        guard case .object(let fields) = schema, case .object(let properties)? = fields["properties"] else { return ([], [:], []) }
        var required = Set<String>()
        if case .array(let names)? = fields["required"] {
            for case .string(let name) in names { required.insert(name) }
        }
        return (properties.keys.sorted(), properties, required)
    }

    private static func response(_ description: String, _ schema: JSONValue) -> JSONValue {
        .object(["description": .string(description), "content": .object(["application/json": .object(["schema": schema])])])
    }

    private static func operationID(_ endpoint: EndpointDescription) -> String {
        var words: [String] = []
        for segment in endpoint.path.split(separator: "/").dropFirst() {
            if segment.hasPrefix("{") {
                words.append("by")
                words += segment.dropFirst().dropLast().split(separator: "_").map(String.init)
            } else {
                words += segment.split(separator: "-").map(String.init)
            }
        }
        return endpoint.method.rawValue.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension Router where Context == ServiceRequestContext {
    /// `GET /openapi.json`: the description of everything registered on this router (people's tokens).
    func addAPIDescription(identity: ServiceIdentity, catalog: EndpointCatalog) {
        get("/openapi.json") { _, context in
            try context.authorize(.readers)
            let document = OpenAPIDocument.build(service: identity.service, version: identity.version, endpoints: catalog.endpoints)
            return try EndpointCodec.response(document)
        }
    }
}
