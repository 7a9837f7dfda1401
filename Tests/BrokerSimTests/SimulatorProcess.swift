import Contracts
import CurlClient
import Foundation
import TestSupport

/// A running psync-brokersim with an HTTP client, and shorthands for each broker's headers.
struct SimulatorProcess: Sendable {
    let service: ServiceProcess
    let client: HTTPClient
    /// Sent as `Authorization: Bearer …` on `/sim/` calls when set.
    var adminToken: String?

    /// Starts the binary with `environment` on a free port.
    static func start(_ environment: [String: String] = [:]) async throws -> SimulatorProcess {
        let service = try await ServiceProcess.start("psync-brokersim", environment: environment)
        return SimulatorProcess(service: service, client: HTTPClient(), adminToken: environment["PSYNC_ADMIN_TOKEN"])
    }

    /// Stops the process and the client.
    func stop() async {
        client.shutdown()
        await service.child.stop()
    }

    /// Sends a request to `path`.
    func send(_ method: String = "GET", _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> HTTPClientResponse {
        try await client.execute(HTTPClientRequest(method: method, url: service.baseURL + path, headers: headers, body: body))
    }

    /// A Kite request with `X-Kite-Version: 3` and `token api_key:access_token`.
    func kite(_ path: String, token: String, apiKey: String = "kite-api-key") async throws -> HTTPClientResponse {
        try await send(path, headers: Self.kiteHeaders(token: token, apiKey: apiKey))
    }

    static func kiteHeaders(token: String, apiKey: String = "kite-api-key") -> [(String, String)] {
        [("X-Kite-Version", "3"), ("Authorization", "token \(apiKey):\(token)")]
    }

    /// An Alpaca request with the key id `token`.
    func alpaca(_ path: String, token: String) async throws -> HTTPClientResponse {
        try await send(path, headers: [("APCA-API-KEY-ID", token), ("APCA-API-SECRET-KEY", "secret")])
    }

    /// An Upstox or sandbox request with `Authorization: Bearer token`.
    func bearer(_ path: String, token: String) async throws -> HTTPClientResponse {
        try await send(path, headers: [("Authorization", "Bearer \(token)"), ("Accept", "application/json")])
    }

    private func send(_ path: String, headers: [(String, String)]) async throws -> HTTPClientResponse {
        try await send("GET", path, headers: headers)
    }

    /// A control call; `body` is encoded as JSON.
    func control(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> HTTPClientResponse {
        var headers = [("Content-Type", "application/json")]
        if let adminToken { headers.append(("Authorization", "Bearer \(adminToken)")) }
        return try await send(method, path, headers: headers, body: try body.map { try JSONCoding.encode($0) })
    }

    /// `PUT /sim/config` with `fields`, checked to succeed.
    func configure(_ fields: [String: JSONValue]) async throws {
        let response = try await control("PUT", "/sim/config", body: .object(fields))
        guard response.status == 200 else { throw HarnessError("PUT /sim/config failed: \(response.status) \(response.text)") }
    }

    /// `POST /sim/faults`, checked to succeed.
    func inject(_ faults: [String], token: String) async throws {
        let body = JSONValue.object(["token": .string(token), "responses": .array(faults.map { .string($0) })])
        let response = try await control("POST", "/sim/faults", body: body)
        guard response.status == 200 else { throw HarnessError("POST /sim/faults failed: \(response.status) \(response.text)") }
    }
}

/// Decodes broker JSON with snake_case keys; decimals come through `@DecimalString`, exact from their digits.
func decodeBroker<T: Decodable>(_ type: T.Type, _ response: HTTPClientResponse) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: Data(response.body))
}

/// Decodes any JSON body.
func decodeJSON(_ response: HTTPClientResponse) throws -> JSONValue {
    try JSONCoding.decode(JSONValue.self, from: response.body)
}

/// Decodes a control-API body (camelCase keys, psync's JSON settings).
func decodeControl<T: Decodable>(_ type: T.Type, _ response: HTTPClientResponse) throws -> T {
    try JSONCoding.decode(type, from: response.body)
}
