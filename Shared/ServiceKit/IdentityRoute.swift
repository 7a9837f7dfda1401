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
                [tokens.service, tokens.admin, tokens.read].compactMap { $0 }.map {
                    WorkerProof.make(token: $0, address: address, challenge: challenge)
                }
            }
            return try EndpointCodec.response(WorkerIdentity(service: identity.service, address: address, proofs: proofs ?? []))
        }
    }
}
