import Contracts
import Cryptography
import HTTPTypes
import Hummingbird
import NIOCore
import SandboxData
import ServiceKit
import Synchronization

/// Upstox API v2: holdings, positions, historical and today's trades, the profile, and the OAuth login (the Authorize
/// dialog and the token exchange). Data routes answer by the token's shapes (`UpstoxShapes`), refuse a login from an
/// earlier simulated day (Upstox ends tokens at 03:30 IST the next day) and enforce Upstox's per-user windows.
struct UpstoxRoutes {
    let simulator: BrokerSimulator
    private let dialect = UpstoxDialect()
    private let limiter = UpstoxLimiter()
    private let logins = UpstoxLogins()

    /// The simulator's `client_secret` for any `client_id`.
    static func clientSecret(for clientID: String) -> String { "secret-" + clientID }

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        router.get("/v2/portfolio/long-term-holdings") { request, _ in
            await serve(request) { caller, settings, shapes in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, UpstoxBody.holdings(holdings, shapes: shapes))
            }
        }
        router.get("/v2/portfolio/short-term-positions") { request, _ in
            await serve(request) { caller, settings, shapes in
                let key = simulator.portfolio(caller.token, settings, .india)
                let body = UpstoxBody.positions(simulator.portfolios.trades(key), holdings: simulator.portfolios.holdings(key), shapes: shapes)
                return BrokerResponse.json(.ok, body)
            }
        }
        router.get("/v2/order/trades/get-trades-for-day") { request, _ in
            await serve(request) { caller, settings, _ in
                let trades = simulator.portfolios.trades(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, UpstoxBody.dayTrades(trades, day: settings.day))
            }
        }
        router.get("/v2/charges/historical-trades") { request, _ in
            let parameters = request.uri.queryParameters
            return await serve(request) { caller, settings, _ in
                history(parameters: { parameters[Substring($0)].map(String.init) }, token: caller.token, settings: settings)
            }
        }
        router.get("/v2/user/profile") { request, _ in
            await serve(request) { caller, _, _ in BrokerResponse.json(.ok, UpstoxBody.profile(token: caller.token)) }
        }
        router.get("/v2/login/authorization/dialog") { request, _ in
            dialog(request)
        }
        router.post("/v2/login/authorization/token") { request, _ in
            await token(request)
        }
    }

    /// Serves a data route: over a per-user window is 429 `UDAPI10005`; a login from an earlier simulated day has ended
    /// and gets 401 `UDAPI100050`; otherwise `render` answers with the token's shapes.
    private func serve(
        _ request: Request, render: @escaping @Sendable (BrokerCaller, SimulatorSettings, UpstoxShapes) async -> Response
    ) async -> Response {
        let limiter = limiter
        return await simulator.serve(dialect, request) { caller, settings in
            let shapes = UpstoxShapes(token: caller.token)
            guard limiter.allow(user: caller.rateKey, windows: shapes.windows, now: .now) else {
                return dialect.response(for: .rateLimited)
            }
            if shapes.loginExpired(on: settings.day) { return dialect.response(for: .unauthorized("the login has ended")) }
            return await render(caller, settings, shapes)
        }
    }

    /// One page of the trade history between `start_date` and `end_date` (all four parameters required, as documented).
    private func history(parameters: (String) -> String?, token: String, settings: SimulatorSettings) -> Response {
        for name in ["start_date", "end_date", "page_number", "page_size"] where (parameters(name) ?? "").isEmpty {
            return UpstoxDialect.error(.badRequest, code: "UDAPI1026", "The '\(name)' is required")
        }
        guard let start = UpstoxHistory.day(parameters("start_date")!), let end = UpstoxHistory.day(parameters("end_date")!), start <= end
        else {
            return UpstoxDialect.error(.badRequest, code: "UDAPI1026", "start_date and end_date must be dates (YYYY-mm-dd), start first")
        }
        guard let page = Int(parameters("page_number")!), page >= 1, let size = Int(parameters("page_size")!), (1...5000).contains(size)
        else {
            return UpstoxDialect.error(.badRequest, code: "UDAPI1026", "page_number must be 1 or more and page_size 1-5000")
        }
        let key = simulator.portfolio(token, settings, .india)
        let trades = UpstoxHistory.trades(token: token, day: settings.day, holdings: simulator.portfolios.holdings(key))
            .filter { (start...end).contains($0.day) }
        let first = min(trades.count, (page - 1) * size)
        let slice = trades[first..<min(trades.count, first + size)]
        return BrokerResponse.json(.ok, UpstoxBody.historyPage(slice, page: page, size: size, total: trades.count))
    }

    /// `GET /v2/login/authorization/dialog`: the person "logs in" at once and is sent to `redirect_uri?code=…&state=…`
    /// (upstox.com/developer/api-documentation/authorize); a missing `client_id` or `redirect_uri` is `UDAPI100068`.
    private func dialog(_ request: Request) -> Response {
        let parameters = request.uri.queryParameters
        guard parameters["response_type"].map(String.init) == "code" else {
            return UpstoxDialect.error(.badRequest, code: "UDAPI1026", "response_type must be code")
        }
        guard let client = parameters["client_id"].map(String.init), !client.isEmpty,
            let redirect = parameters["redirect_uri"].map(String.init), redirect.hasPrefix("http://") || redirect.hasPrefix("https://")
        else {
            return UpstoxDialect.error(
                .badRequest, code: "UDAPI100068", "Check your 'client_id' and 'redirect_uri'; one or both are incorrect.")
        }
        var location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + logins.issue(client: client)
        if let state = parameters["state"] { location += "&state=" + ParameterEncoder.escape(String(state)) }
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .found, headers: headers)
    }

    /// `POST /v2/login/authorization/token` (form): checks the fields and `client_secret`, spends the code (single use),
    /// and answers with the token of a login on this simulated day: `day<N>-upstox-u<user>-…`, the user the code's.
    private func token(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 64 << 10)) ?? ByteBuffer()
        let form = FormBody.parse(String(buffer: body))
        let caller: Result<BrokerCaller, BrokerFailure>
        if let missing = ["code", "client_id", "client_secret", "redirect_uri", "grant_type"].first(where: { (form[$0] ?? "").isEmpty }) {
            caller = .failure(.badRequest("The '\(missing)' is required"))
        } else if form["grant_type"] != "authorization_code" {
            caller = .failure(.badRequest("grant_type must be authorization_code"))
        } else {
            caller = .success(BrokerCaller(token: form["code"]!, rateKey: "client:" + form["client_id"]!, checksExpiry: false))
        }
        let logins = logins
        return await simulator.serve(dialect, caller: caller) { caller, settings in
            let client = form["client_id"]!
            guard ConstantTime.equals(Self.clientSecret(for: client), form["client_secret"] ?? ""), logins.spend(caller.token) else {
                return UpstoxDialect.error(.unauthorized, code: "UDAPI100016", "Invalid Credentials")
            }
            let user = AccountIdentity(token: caller.token).userID
            let accessToken = "day\(settings.day)-upstox-u\(user)-" + SHA256.hexDigest(client + caller.token).prefix(16)
            return BrokerResponse.json(.ok, UpstoxBody.token(accessToken))
        }
    }
}

/// Codes the Authorize dialog issued, and codes already exchanged (each works once).
final class UpstoxLogins: Sendable {
    private let state = Mutex((issued: 0, spent: Set<String>()))

    /// A new code for `client`.
    func issue(client: String) -> String {
        let turn = state.withLock { state in
            state.issued += 1
            return state.issued
        }
        return "c" + String(SimulatedPortfolio.hash(client, turn, ContinuousClock.now.hashValue), radix: 16)
    }

    /// Whether `code` had not been used; marks it used.
    func spend(_ code: String) -> Bool {
        state.withLock { state in
            guard state.spent.count < 1_000_000 else { return false }
            return state.spent.insert(code).inserted
        }
    }
}
