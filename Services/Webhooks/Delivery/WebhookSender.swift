import Contracts
import CurlClient
import FoundationEssentials

/// Sends one signed request to a webhook URL through the egress rules, and says how it went.
///
/// The client never follows a redirect, ignores proxy settings in the environment, reads at most 16 KiB of an answer
/// (a larger one fails the attempt) and connects only to the addresses the egress rules checked.
struct WebhookSender: Sendable {
    /// The most of an answer read.
    static let maximumAnswer = 16 << 10

    let egress: EgressGuard
    let http: HTTPClient
    let timeout: Duration

    /// What one attempt got.
    struct Attempt: Sendable, Equatable {
        var startedAt: Date
        var durationMilliseconds: Int
        var statusCode: Int?
        /// Why it failed, in a line; nil when a 2xx arrived.
        var error: String?
        var delivered: Bool { error == nil }
    }

    /// The HTTP client webhooks go out on.
    static func makeClient(timeout: Duration, connectTimeout: Duration) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = timeout
        configuration.connectTimeout = connectTimeout
        configuration.maximumResponseSize = maximumAnswer
        configuration.maximumHeaderSize = 32 << 10
        configuration.maximumIdleConnections = 64
        configuration.usesProxyEnvironment = false
        configuration.userAgent = "portfolio-sync-webhooks/\(PSyncVersion.current)"
        return HTTPClient(configuration: configuration)
    }

    /// Signs `body` with `secret` now and sends it with `headers`; nil when the task was cancelled (shutting down), so the
    /// attempt is abandoned rather than recorded.
    func send(url: String, secret: String, body: [UInt8], headers: [(String, String)]) async -> Attempt? {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        func attempt(status: Int?, error: String?) -> Attempt {
            let elapsed = clock.now - start
            let milliseconds = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
            return Attempt(startedAt: startedAt, durationMilliseconds: milliseconds, statusCode: status, error: error)
        }
        let target: EgressTarget
        do {
            target = try await egress.check(url)
        } catch {
            return attempt(status: nil, error: "\(error)")
        }
        if Task.isCancelled { return nil }
        let timestamp = Int(Date().timeIntervalSince1970)
        let request = HTTPClientRequest(
            method: "POST", url: target.url.normalized,
            headers: [
                (WebhookHeaders.signature, WebhookSigning.signature(secret: secret, timestamp: timestamp, body: body)),
                ("Content-Type", "application/json"),
            ] + headers,
            body: body, timeout: timeout, resolve: target.resolveEntries)
        do {
            let response = try await http.execute(request)
            guard (200..<300).contains(response.status) else {
                return attempt(status: response.status, error: Self.describe(response))
            }
            return attempt(status: response.status, error: nil)
        } catch is CancellationError {
            return nil
        } catch let error as HTTPClientError {
            switch error.kind {
            case .shutdown: return nil
            case .connect: return attempt(status: nil, error: "cannot connect: \(Self.clipped(error.message))")
            case .timeout: return attempt(status: nil, error: "no answer within \(Self.describe(timeout)) (\(Self.clipped(error.message)))")
            case .responseTooLarge:
                return attempt(status: nil, error: "the answer is larger than 16 KiB; it was cut off and the attempt counts as failed")
            case .tls: return attempt(status: nil, error: "TLS failed: \(Self.clipped(error.message))")
            case .transfer: return attempt(status: nil, error: "the connection broke: \(Self.clipped(error.message))")
            case .invalidRequest: return attempt(status: nil, error: "the request could not be made: \(Self.clipped(error.message))")
            }
        } catch {
            return attempt(status: nil, error: "the request failed: \(Self.clipped("\(error)"))")
        }
    }

    /// "the receiver answered 503: <start of its body>"; a redirect says it was not followed.
    static func describe(_ response: HTTPClientResponse) -> String {
        var text = "the receiver answered \(response.status)"
        if (300..<400).contains(response.status) {
            text += " (redirects are not followed" + (response.header("location").map { "; Location: \(clipped($0, 200))" } ?? "") + ")"
        }
        let excerpt = clipped(response.text, 120)
        return excerpt.isEmpty ? text : text + ": " + excerpt
    }

    /// Printable ASCII only, spaces collapsed, at most `limit` characters: what a receiver wrote, safe for a log line or a page.
    static func clipped(_ text: String, _ limit: Int = 300) -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let printable = scalar.value >= 0x21 && scalar.value < 0x7f
            if printable {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            } else if !lastWasSpace && !result.isEmpty {
                result += " "
                lastWasSpace = true
            }
            if result.count >= limit { return result + "…" }
        }
        return lastWasSpace ? String(result.dropLast()) : result
    }

    static func describe(_ duration: Duration) -> String {
        let milliseconds = Int(duration.seconds * 1000)
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
