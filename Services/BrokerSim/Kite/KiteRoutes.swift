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

    /// The access token a login with `requestToken` on simulated `day` yields: `day<N>-kite-` and 24 hex digits,
    /// refused from the next simulated day on (Kite ends logins at 06:00 IST the next day).
    static func accessToken(apiKey: String, requestToken: String, day: Int) -> String {
        "day\(day)-kite-" + SHA256.hexDigest(apiKey + requestToken).prefix(24)
    }

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/portfolio/holdings") { request, _ in
            await serve(request) { caller, settings, shapes in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, KiteBody.holdings(holdings, day: settings.day, shapes: shapes))
            }
        }
        router.get("/portfolio/positions") { request, _ in
            await serve(request) { caller, settings, shapes in
                let key = simulator.portfolio(caller.token, settings, .india)
                let body = KiteBody.positions(simulator.portfolios.trades(key), holdings: simulator.portfolios.holdings(key), shapes: shapes)
                return BrokerResponse.json(.ok, body)
            }
        }
        router.get("/trades") { request, _ in
            await serve(request) { caller, settings, shapes in
                let key = simulator.portfolio(caller.token, settings, .india)
                let body = KiteBody.trades(
                    simulator.portfolios.trades(key), holdings: simulator.portfolios.holdings(key), day: settings.day, shapes: shapes)
                return BrokerResponse.json(.ok, body)
            }
        }
        router.get("/mf/holdings") { request, _ in
            await serve(request) { caller, _, shapes in
                switch shapes.mutualFundsRefusal {
                // An app without mutual-fund access (PermissionException; gokiteconnect spells it PermissionError).
                case .permission: KiteDialect.error(.forbidden, "You don't have permission to access this resource.", type: "PermissionException")
                case .notFound: KiteDialect.error(.notFound, "Route not found", type: "GeneralException")
                case nil: BrokerResponse.json(.ok, KiteBody.mutualFunds(token: caller.token, shapes: shapes))
                }
            }
        }
        router.get("/user/profile") { request, _ in
            await serve(request) { caller, _, _ in BrokerResponse.json(.ok, KiteBody.profile(token: caller.token)) }
        }
        router.post("/session/token") { request, _ in
            await login(request)
        }
        router.delete("/session/token") { request, _ in
            await simulator.serve(dialect, request) { _, _ in BrokerResponse.json(.ok, #"{"status":"success","data":true}"#) }
        }
    }

    /// Serves a data route: a login from an earlier simulated day has ended (06:00 IST the next day) and gets Kite's
    /// 403 `TokenException`; otherwise `render` answers with the token's shapes.
    private func serve(
        _ request: Request, render: @escaping @Sendable (BrokerCaller, SimulatorSettings, KiteShapes) async -> Response
    ) async -> Response {
        await simulator.serve(dialect, request) { caller, settings in
            let shapes = KiteShapes(token: caller.token)
            if shapes.loginExpired(on: settings.day) {
                return KiteDialect.error(.forbidden, "Incorrect `api_key` or `access_token`.", type: "TokenException")
            }
            return await render(caller, settings, shapes)
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
        return await simulator.serve(dialect, caller: caller) { caller, settings in
            let apiKey = caller.rateKey
            let expected = SHA256.hexDigest(apiKey + caller.token + Self.apiSecret(for: apiKey))
            guard ConstantTime.equals(expected, (form["checksum"] ?? "").lowercased()) else {
                return KiteDialect.error(.forbidden, "Invalid checksum", type: "TokenException")
            }
            let accessToken = Self.accessToken(apiKey: apiKey, requestToken: caller.token, day: settings.day)
            return BrokerResponse.json(.ok, KiteBody.session(apiKey: apiKey, accessToken: accessToken))
        }
    }
}
