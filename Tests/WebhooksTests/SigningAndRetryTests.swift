import Contracts
import Cryptography
import Foundation
import ServiceKit
import TestSupport
import Testing

@testable import Webhooks

@Suite("psync-webhooks: secrets, signatures, sealing and backoff")
struct SigningAndRetryTests {
    @Test("a secret is whsec_ and 64 hex digits, new each time; its signature verifies, a changed body, time or secret does not")
    func signatures() throws {
        let secret = WebhookSigning.makeSecret()
        #expect(secret.hasPrefix("whsec_") && secret.count == 70 && WebhookSigning.isSecret(secret))
        #expect(secret != WebhookSigning.makeSecret())
        let body = Array(#"{"id":"e1","type":"holdings.changed"}"#.utf8)
        let now = Date()
        let header = WebhookSigning.signature(secret: secret, timestamp: Int(now.timeIntervalSince1970), body: body)
        #expect(header.hasPrefix("t=\(Int(now.timeIntervalSince1970)),v1=") && header.count == "t=\(Int(now.timeIntervalSince1970)),v1=".count + 64)
        #expect(WebhookSignatureCheck.verify(header: header, body: body, secret: secret, now: now))
        #expect(!WebhookSignatureCheck.verify(header: header, body: body + [0x20], secret: secret, now: now))
        #expect(!WebhookSignatureCheck.verify(header: header, body: body, secret: WebhookSigning.makeSecret(), now: now))
        #expect(!WebhookSignatureCheck.verify(header: header, body: body, secret: secret, now: now.addingTimeInterval(301)))
        // A known vector, from `echo -n "1700000000.{}" | openssl dgst -sha256 -hmac "whsec_abab…ab"` (README's example agrees).
        let known = WebhookSigning.signature(secret: "whsec_" + String(repeating: "ab", count: 32), timestamp: 1_700_000_000, body: Array("{}".utf8))
        #expect(known == "t=1700000000,v1=b92e2f8ad8c0846d4cf9c719c9dfa0fa0dcff77f004615fb3f922c6ffe96915b")
    }

    @Test("a sealed secret opens for its URL only, under any key of the ring; the box never holds the secret in clear")
    func sealing() throws {
        let old = try SymmetricKey.random()
        let new = try SymmetricKey.random()
        let before = WebhookSecretVault(keys: try KeyRing(current: "k1", keys: ["k1": old]))
        let after = WebhookSecretVault(keys: try KeyRing(current: "k2", keys: ["k1": old, "k2": new]))
        let secret = WebhookSigning.makeSecret()
        let sealed = try before.seal(secret, url: "https://hooks.example.com/a")
        #expect(!sealed.contains(secret) && !(Data(base64Encoded: sealed).map { String(decoding: $0, as: UTF8.self).contains(secret) } ?? true))
        #expect(try after.open(sealed, url: "https://hooks.example.com/a") == secret)
        #expect(throws: WebhookSecretError.self) { try after.open(sealed, url: "https://evil.example.com/a") }
        let newer = try after.seal(secret, url: "https://hooks.example.com/a")
        #expect(throws: WebhookSecretError.self) { try before.open(newer, url: "https://hooks.example.com/a") }
        do {
            _ = try before.open(newer, url: "https://hooks.example.com/a")
        } catch {
            #expect("\(error)".contains("PSYNC_WEBHOOKS_PREVIOUS_KEYS") && !"\(error)".contains(secret))
        }
    }

    @Test("backoff doubles from the base up to the maximum, with full jitter, and stops at the window")
    func backoff() {
        let policy = RetryPolicy(base: .seconds(10), maximum: .seconds(3600), window: .seconds(86_400))
        #expect(policy.ceiling(after: 1) == 10 && policy.ceiling(after: 2) == 20 && policy.ceiling(after: 4) == 80)
        #expect(policy.ceiling(after: 10) == 3600 && policy.ceiling(after: 1000) == 3600)
        let first = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(policy.nextAttempt(after: 3, failedAt: first, firstAttemptAt: first, random: 1) == first.addingTimeInterval(40))
        #expect(policy.nextAttempt(after: 3, failedAt: first, firstAttemptAt: first, random: 0) == first)
        for _ in 0..<100 {
            let next = policy.nextAttempt(after: 5, failedAt: first, firstAttemptAt: first)!
            #expect(next >= first && next <= first.addingTimeInterval(160))
        }
        let late = first.addingTimeInterval(86_400 - 5)
        #expect(policy.nextAttempt(after: 20, failedAt: late, firstAttemptAt: first, random: 1) == nil)
        #expect(policy.nextAttempt(after: 20, failedAt: late, firstAttemptAt: first, random: 0) == late)
    }

    @Test("settings: the key is required and must be 64 hex digits; durations and networks are read")
    func settings() throws {
        let key = "3f1c5d2a9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
        let configuration = try WebhooksConfiguration(
            environment: .init([
                "PSYNC_WEBHOOKS_KEY": key, "PSYNC_WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.0/8", "PSYNC_WEBHOOKS_ALLOW_HTTP": "true",
                "PSYNC_WEBHOOKS_RETRY_BASE": "200ms", "PSYNC_WEBHOOKS_RETRY_WINDOW": "3s", "PSYNC_WEBHOOKS_CONCURRENCY": "4",
            ]))
        #expect(configuration.keys?.currentKeyID == "k1" && configuration.egress.allowsHTTP && configuration.egress.allowedNetworks.count == 1)
        #expect(configuration.retryBase == .milliseconds(200) && configuration.retryWindow == .seconds(3) && configuration.concurrency == 4)
        #expect(configuration.timeout == .seconds(10) && configuration.pollInterval == .milliseconds(250) && configuration.retryMax == .seconds(3600))
        #expect(configuration.leaseSeconds == 35)
        #expect(throws: (any Error).self) { try WebhooksConfiguration(environment: .init(["PSYNC_WEBHOOKS_KEY": "abc"])) }
        #expect(throws: (any Error).self) {
            try WebhooksConfiguration(environment: .init(["PSYNC_WEBHOOKS_KEY": String(repeating: "0", count: 64)]))
        }
        #expect(throws: (any Error).self) {
            try WebhooksConfiguration(environment: .init(["PSYNC_WEBHOOKS_KEY": key, "PSYNC_WEBHOOKS_ALLOWED_NETWORKS": "lan"]))
        }
        #expect(try WebhooksConfiguration(environment: .init([:])).keys == nil)
    }
}
