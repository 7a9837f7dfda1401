import Contracts
import CurlClient
import FoundationEssentials

/// Calls a broker API and turns every failure into a classified `BrokerError`.
///
/// The HTTP status decides first: 429 is rate-limited, 5xx transient whatever its body (an nginx
/// HTML page included), the broker's own auth errors are auth, any other 4xx permanent. A timeout
/// or a body cut off mid-transfer is transient. A 2xx whose body is not the expected JSON is
/// permanent, with a message saying what was wrong.
///
/// Nothing the broker sends is trusted: bodies are capped (`maximumResponseSize`), and every body
/// passes `JSONCheck` (nesting, numbers) before a decoder sees it, error bodies included.
struct BrokerHTTP: Sendable {
    let environment: BrokerEnvironment
    let broker: String
    /// Whether a non-2xx response is the broker's "log in again".
    let isAuthFailure: @Sendable (_ status: Int, _ body: [UInt8]) -> Bool
    /// The broker's own error message in a body, if it has one.
    let errorMessage: @Sendable (_ body: [UInt8]) -> String?

    func get(_ path: String, query: [(String, String)] = [], headers: [(String, String)], credentials: BrokerCredentials) async throws
        -> HTTPClientResponse
    {
        var url = try environment.baseURL(for: credentials) + path
        try await environment.throttle(credentials.rateLimitKey)
        if !query.isEmpty {
            url += "?" + query.map { "\(ParameterEncoder.escape($0.0))=\(ParameterEncoder.escape($0.1))" }.joined(separator: "&")
        }
        return try await send(
            HTTPClientRequest(
                method: "GET", url: url, headers: headers + [("Accept", "application/json")], timeout: environment.timeout,
                maximumResponseSize: environment.maximumResponseSize))
    }

    func postForm(_ path: String, form: [(String, String)], headers: [(String, String)], credentials: BrokerCredentials) async throws
        -> HTTPClientResponse
    {
        let base = try environment.baseURL(for: credentials)
        try await environment.throttle(credentials.rateLimitKey)
        let body = form.map { "\(ParameterEncoder.escape($0.0))=\(ParameterEncoder.escape($0.1))" }.joined(separator: "&")
        return try await send(
            HTTPClientRequest(
                method: "POST",
                url: base + path,
                headers: headers + [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: Array(body.utf8),
                timeout: environment.timeout,
                maximumResponseSize: environment.maximumResponseSize
            )
        )
    }

    private func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await environment.http.execute(request)
        } catch let error as HTTPClientError {
            environment.observe(error.kind == .timeout ? "timeout" : "error")
            switch error.kind {
            case .timeout: throw BrokerError.transient("\(broker) did not answer in time")
            case .connect: throw BrokerError.transient("cannot connect to \(broker): \(error.message)")
            case .transfer: throw BrokerError.transient("the connection to \(broker) broke mid-response: \(error.message)")
            case .tls: throw BrokerError.permanent("TLS with \(broker) failed: \(error.message)")
            case .responseTooLarge:
                let limit = environment.maximumResponseSize
                let size = limit >= 1 << 20 && limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
                throw BrokerError.permanent("\(broker)'s response is larger than the \(size) we accept")
            case .invalidRequest, .shutdown: throw BrokerError.permanent("the request to \(broker) could not be made: \(error.message)")
            }
        } catch {
            throw BrokerError.transient("the call to \(broker) was cancelled")
        }
        environment.observe(String(response.status))
        if let error = classify(response) { throw error }
        return response
    }

    func classify(_ response: HTTPClientResponse) -> BrokerError? {
        let status = response.status
        if (200..<300).contains(status) { return nil }
        // An error body no decoder should see (too deep, absurd numbers) is read as no body at all.
        let body = JSONCheck.problem(in: response.body) == nil ? response.body : []
        let detail = errorMessage(body) ?? (Self.looksLikeHTML(body) ? "an HTML error page" : "no error message")
        if status == 429 {
            let wait = RetryAfter.wait(in: response, now: environment.now(), limit: environment.retryAfterLimit)
            return BrokerError(.rateLimited, "\(broker) rate-limited the call (HTTP 429)", retryAfter: wait, status: status)
        }
        if status >= 500 { return .transient("HTTP \(status) from \(broker): \(detail)", status: status) }
        if isAuthFailure(status, body) { return .auth("\(broker) refused the credentials: \(detail)", status: status) }
        return .permanent("HTTP \(status) from \(broker): \(detail)", status: status)
    }

    /// Decodes a 2xx body as `T` with `BrokerJSON.decoder()` (keys as `T`'s `CodingKeys` spell them); anything else is a
    /// permanent error saying what was wrong.
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse, what: String) throws -> T {
        if Self.looksLikeHTML(response.body) {
            throw BrokerError.permanent(
                "\(broker) answered \(what) with an HTML page instead of JSON (HTTP \(response.status))", status: response.status)
        }
        if let problem = JSONCheck.problem(in: response.body) {
            throw BrokerError.permanent("\(broker) answered \(what) with \(problem)", status: response.status)
        }
        do {
            return try BrokerJSON.decoder().decode(T.self, from: Data(response.body))
        } catch let error as DecodingError {
            throw BrokerError.permanent(
                "\(broker) answered \(what) with JSON that is not the expected shape: \(error.fieldMessage)", status: response.status)
        } catch {
            throw BrokerError.permanent("\(broker) answered \(what) with a body that is not JSON", status: response.status)
        }
    }

    static func looksLikeHTML(_ body: [UInt8]) -> Bool {
        let start = body.prefix(64).drop { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
        return start.first == UInt8(ascii: "<")
    }
}

/// Decoding of brokers' JSON: keys exactly as each wire type's `CodingKeys` spell the broker's (`t1_quantity`,
/// `avgCostPrice`), unknown fields ignored, numbers read exactly into `Decimal`.
enum BrokerJSON {
    /// The one decoder of broker bodies. It converts no keys: converting snake_case keys was about a third of the cost
    /// of decoding a holdings list, ~12% of the gateway's CPU per job (SANDBOX), so wire types spell their keys instead.
    static func decoder() -> JSONDecoder {
        JSONDecoder()
    }

    /// The raw items of the array at `path` (the top-level array when empty), for `meta`.
    static func rawItems(_ body: [UInt8], path: String...) -> [RawJSON]? {
        JSONSlices.elements(of: body, path: path)?.map { RawJSON(bytes: body[$0]) }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
