import Cryptography
import Hummingbird
import NIOCore
import SandboxData
import ServiceKit

/// Kite Connect v3 at the root paths: portfolio, trades, profile and the login session.
struct KiteRoutes {
    let simulator: BrokerSimulator
    private let dialect = KiteDialect()

    /// The simulator's `api_secret` for any `api_key`.
    static func apiSecret(for apiKey: String) -> String { "secret-" + apiKey }

    /// The access token a login with `requestToken` yields: `kite-` and 24 hex digits.
    static func accessToken(apiKey: String, requestToken: String) -> String {
        "kite-" + SHA256.hexDigest(apiKey + requestToken).prefix(24)
    }

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/portfolio/holdings") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, KiteBody.holdings(holdings, day: settings.day))
            }
        }
        router.get("/portfolio/positions") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let key = simulator.portfolio(caller.token, settings, .india)
                return BrokerResponse.json(.ok, KiteBody.positions(simulator.portfolios.trades(key), holdings: simulator.portfolios.holdings(key)))
            }
        }
        router.get("/trades") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let key = simulator.portfolio(caller.token, settings, .india)
                let body = KiteBody.trades(simulator.portfolios.trades(key), holdings: simulator.portfolios.holdings(key), day: settings.day)
                return BrokerResponse.json(.ok, body)
            }
        }
        router.get("/mf/holdings") { request, _ in
            await simulator.serve(dialect, request) { _, _ in BrokerResponse.json(.ok, KiteBody.mutualFunds) }
        }
        router.get("/user/profile") { request, _ in
            await simulator.serve(dialect, request) { caller, _ in BrokerResponse.json(.ok, KiteBody.profile(token: caller.token)) }
        }
        router.post("/session/token") { request, _ in
            await login(request)
        }
        router.delete("/session/token") { request, _ in
            await simulator.serve(dialect, request) { _, _ in BrokerResponse.json(.ok, #"{"status":"success","data":true}"#) }
        }
    }

    /// `POST /session/token`: checks `checksum = sha256(api_key + request_token + api_secret)`.
    private func login(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 64 << 10)) ?? ByteBuffer()
        let form = FormBody.parse(String(buffer: body))
        let caller: Result<BrokerCaller, BrokerFailure>
        if let failure = dialect.versionFailure(request) {
            caller = .failure(failure)
        } else if let missing = ["api_key", "request_token", "checksum"].first(where: { (form[$0] ?? "").isEmpty }) {
            caller = .failure(.badRequest("Missing or empty `\(missing)`."))
        } else {
            caller = .success(BrokerCaller(token: form["request_token"]!, rateKey: form["api_key"]!, checksExpiry: false))
        }
        return await simulator.serve(dialect, caller: caller) { caller, _ in
            let apiKey = caller.rateKey
            let expected = SHA256.hexDigest(apiKey + caller.token + Self.apiSecret(for: apiKey))
            guard ConstantTime.equals(expected, (form["checksum"] ?? "").lowercased()) else {
                return KiteDialect.error(.forbidden, "Invalid checksum", type: "TokenException")
            }
            let accessToken = Self.accessToken(apiKey: apiKey, requestToken: caller.token)
            return BrokerResponse.json(.ok, KiteBody.session(apiKey: apiKey, accessToken: accessToken))
        }
    }
}
