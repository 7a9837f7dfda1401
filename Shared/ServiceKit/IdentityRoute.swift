import Contracts
import Cryptography
import Hummingbird

extension Router where Context == ServiceRequestContext {
    /// `GET /v1/identity?challenge=…` (no token): this service's proof that it holds the tokens it accepts, over the
    /// address it advertises, so a caller who found it through a heartbeat can check it before sending a token
    /// (`WorkerProof`). A caller holding none of those tokens learns nothing from the answer.
    func addIdentityRoute(identity: ServiceIdentity, tokens: TokenSet, stats: WorkerStats) {
        get(RouterPath(WorkerIdentity.path)) { request, _ in
            let challenge = request.uri.queryParameters.get("challenge") ?? ""
            guard WorkerIdentity.isValidChallenge(challenge) else {
                throw APIError.badRequest("challenge must be 16-128 letters, digits, '-' or '_'")
            }
            let address = stats.rpcAddress
            let proofs = address.map { address in
                // Only the identities that look a service up in the registry before calling it: people and the monitor.
                [Scope.admin, .read, .monitor].flatMap(tokens.hashes(of:)).prefix(WorkerProof.maximumProofs).map {
                    WorkerProof.make(tokenHash: $0, address: address, challenge: challenge)
                }
            }
            return try EndpointCodec.response(WorkerIdentity(service: identity.service, address: address, proofs: proofs ?? []))
        }
    }
}
