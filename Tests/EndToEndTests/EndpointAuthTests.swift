import Contracts
import CurlClient
import Foundation
import TestSupport
import Testing

/// Walks every endpoint each service describes in its `/openapi.json` (which lists exactly what it
/// registered) with no token, a read token, a service token and an admin token.
@Suite("Every endpoint of every service requires a token and enforces its scopes")
struct EndpointAuthTests {
    struct Operation {
        var service: String
        var method: String
        var path: String
        var scopes: Set<String>
    }

    @Test("no token → 401; a token outside the endpoint's scopes → 403; inside them → never 401, 403 or 5xx")
    func walkEveryEndpoint() async throws {
        let stack = try await Stack.start()
        do {
            try await stack.launch("psync-brokersim")
            try await stack.launch("psync-dispatcher")
            try await stack.launch("psync-scheduler")
            try await stack.launch("psync-monitor")
            try await stack.launchGateway("SANDBOX")
            let services = ["psync-persistence", "psync-dispatcher", "psync-scheduler", "psync-monitor", "psync-gateway"]
            var operations: [Operation] = []
            for service in services {
                let base = try #require(stack.running(service, arguments: service == "psync-gateway" ? ["--broker", "SANDBOX"] : []).first).baseURL
                operations += try await Self.describedOperations(service: service, baseURL: base, stack: stack)
            }
            #expect(operations.count > 60, "only \(operations.count) endpoints described")
            let tokens = [("read", Stack.readToken), ("service", Stack.serviceToken), ("admin", Stack.adminToken)]
            var failures: [String] = []
            for operation in operations {
                let base = try #require(
                    stack.running(operation.service, arguments: operation.service == "psync-gateway" ? ["--broker", "SANDBOX"] : []).first
                ).baseURL
                let anonymous = try await Self.call(stack, base, operation, token: nil)
                if anonymous.status != 401 { failures.append("\(operation.service) \(operation.method) \(operation.path) without a token: \(anonymous.status)") }
                for (scope, token) in tokens {
                    let response = try await Self.call(stack, base, operation, token: token)
                    let allowed = operation.scopes.contains(scope)
                    let fine = allowed ? ![401, 403].contains(response.status) && response.status < 500 : response.status == 403
                    if !fine {
                        failures.append(
                            "\(operation.service) \(operation.method) \(operation.path) with a \(scope) token (allowed: \(allowed)): "
                                + "\(response.status) \(response.text.prefix(200))")
                    }
                    if response.status >= 400 {
                        let envelope = try? JSONCoding.decode(ErrorEnvelope.self, from: response.body)
                        if envelope == nil { failures.append("\(operation.service) \(operation.method) \(operation.path): \(response.status) outside the error envelope") }
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        } catch {
            Issue.record("\(error)\n\(stack.logs())")
        }
        await stack.stop()
    }

    /// The operations `/openapi.json` lists, health routes aside.
    static func describedOperations(service: String, baseURL: String, stack: Stack) async throws -> [Operation] {
        let response = try await stack.http.execute(
            HTTPClientRequest(url: baseURL + "/openapi.json", headers: [("Authorization", "Bearer \(Stack.readToken)")]))
        #expect(response.status == 200, "\(service) /openapi.json: \(response.status)")
        guard case .object(let root) = try JSONCoding.decode(JSONValue.self, from: response.body), case .object(let paths)? = root["paths"] else {
            throw HarnessError("\(service) /openapi.json has no paths")
        }
        var operations: [Operation] = []
        for (path, item) in paths where path.hasPrefix("/v") || path.hasPrefix("/api") {
            guard case .object(let methods) = item else { continue }
            for (method, description) in methods {
                guard case .object(let fields) = description, case .array(let scopes)? = fields["x-psync-scopes"] else {
                    throw HarnessError("\(service) \(method) \(path) declares no scopes")
                }
                operations.append(
                    Operation(
                        service: service, method: method.uppercased(), path: path,
                        scopes: Set(scopes.compactMap { if case .string(let scope) = $0 { scope } else { nil } })))
            }
        }
        return operations.sorted { ($0.service, $0.path, $0.method) < ($1.service, $1.path, $1.method) }
    }

    /// One call with made-up path values (ids that do not exist) and an empty JSON object as the body.
    static func call(_ stack: Stack, _ base: String, _ operation: Operation, token: String?) async throws -> HTTPClientResponse {
        let path = operation.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") ? "987654" : String(segment)
        }.joined(separator: "/")
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let body: [UInt8]? = ["GET", "DELETE"].contains(operation.method) ? nil : Array("{}".utf8)
        return try await stack.http.execute(
            HTTPClientRequest(method: operation.method, url: base + path, headers: headers, body: body, timeout: .seconds(30)))
    }
}
