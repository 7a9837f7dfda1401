public import Contracts
import Cryptography
public import CurlClient

/// Checks a service address found in the registry (a heartbeat in Redis, which anyone who can write to Redis could
/// forge) before a token or a credential is sent to it: the address must be one `WorkerAddressPolicy` allows, and the
/// service there must prove it holds the caller's token (`WorkerProof`), for a fresh challenge, at that address.
/// Nothing secret travels before both hold.
public struct WorkerVerifier: Sendable {
    public let policy: WorkerAddressPolicy
    private let http: HTTPClient

    public init(policy: WorkerAddressPolicy, http: HTTPClient) {
        self.policy = policy
        self.http = http
    }

    /// Returns when `address` may receive `token`; throws, saying why not, otherwise.
    public func verify(_ address: String, token: String) async throws(WorkerVerificationError) {
        guard policy.permits(address) else {
            throw WorkerVerificationError(
                message: "the registry names \(address.prefix(200)), a host PSYNC_TRUSTED_WORKER_HOSTS does not allow; nothing was sent to it")
        }
        var generator = SystemRandomNumberGenerator()
        let challenge = (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined(separator: "-")
        let answer: WorkerIdentity
        do {
            let response = try await http.execute(
                HTTPClientRequest(url: address + WorkerIdentity.path + "?challenge=" + challenge, timeout: .seconds(5), maximumResponseSize: 64 << 10)
            )
            guard response.status == 200 else { throw WorkerVerificationError(message: "HTTP \(response.status)") }
            answer = try JSONCoding.decode(WorkerIdentity.self, from: response.body)
        } catch {
            throw WorkerVerificationError(message: "\(address.prefix(200)) did not answer the identity check (\(error)); nothing was sent to it")
        }
        guard WorkerProof.matches(answer.proofs, token: token, address: address, challenge: challenge) else {
            throw WorkerVerificationError(
                message: "\(address.prefix(200)) could not prove it holds our token (a forged or stale heartbeat?); nothing was sent to it")
        }
    }
}

/// Why an address from the registry was not trusted with a token.
public struct WorkerVerificationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
