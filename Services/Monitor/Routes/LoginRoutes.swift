import Contracts
import Cryptography
import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceKit

/// The login form, single-use login links and the logout.
///
/// Failed logins are counted per client address (`LoginThrottle`); past the limit every attempt from that address is
/// answered 429 with `Retry-After`, right token or not. `next` is kept only when `SafeNext` accepts it.
struct LoginRoutes {
    let sessions: SessionStore
    let tokens: TokenSet
    let throttle: LoginThrottle
    let proxies: TrustedProxies
    let logger: Logger

    /// The address a login is counted under (through trusted proxies, the client they name).
    private func address(_ request: Request, _ context: ServiceRequestContext) -> String {
        proxies.client(peer: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor]) ?? "unknown"
    }
    static let forwardedFor = HTTPField.Name("x-forwarded-for")!

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/login") { request, context -> Response in
            let next = SafeNext.path(request.uri.queryParameters.get("next").map { String($0) })
            guard let ticket = request.uri.queryParameters.get("ticket") else { return PageResponses.html(LoginPage.render(next: next)) }
            let address = address(request, context)
            if let wait = await throttle.retryAfter(address) { return Self.throttled(next: next, wait: wait) }
            guard let started = try await sessions.redeem(ticket: String(ticket)) else {
                await throttle.failed(address)
                logger.notice("login refused", metadata: ["login.via": "ticket", "client.address": "\(address)"])
                return PageResponses.html(
                    LoginPage.render(next: next, error: "that login link is not valid any more; log in with a token"), status: .unauthorized)
            }
            return start(started, next: next, via: "ticket", request: request)
        }
        router.post("/login") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 << 10)
            let form = ParameterDecoder.parse(query: String(buffer: body))
            let next = SafeNext.path(form["next"]?.first)
            let address = address(request, context)
            if let wait = await throttle.retryAfter(address) { return Self.throttled(next: next, wait: wait) }
            let token = (form["token"]?.first ?? "").trimmingCharacters(in: " ")
            guard let scope = tokens.principal(of: token)?.scope, scope.isPerson else {
                await throttle.failed(address)
                logger.notice("login refused", metadata: ["login.via": "form", "client.address": "\(address)"])
                return PageResponses.html(LoginPage.render(next: next, error: "that token is not an admin or read-only token"), status: .unauthorized)
            }
            return start(try await sessions.create(scope: scope, tokenHash: TokenSet.hash(token)), next: next, via: "form", request: request)
        }
        router.post("/logout") { request, _ -> Response in
            if let session = CurrentSession.value {
                let body = try await request.body.collect(upTo: 16 << 10)
                let form = ParameterDecoder.parse(query: String(buffer: body))
                guard let token = form["csrf"]?.first, ConstantTime.equals(token, session.csrf) else {
                    return PageResponses.error(.forbidden("the form is out of date; reload the page and try again"), viewer: nil)
                }
                try await sessions.delete(session.id)
            }
            return PageResponses.redirect("/login", cookie: cookie(value: "", maxAge: 0, request: request))
        }
    }

    private func start(_ started: (session: Session, cookie: String), next: String, via: String, request: Request) -> Response {
        logger.info("logged in", metadata: ["session.scope": "\(started.session.scope.rawValue)", "login.via": "\(via)"])
        return PageResponses.redirect(next, cookie: cookie(value: started.cookie, maxAge: Int(sessions.ttl.components.seconds), request: request))
    }

    /// The session cookie; `Secure` when the setting says so or a TLS proxy says the browser came over HTTPS
    /// (a forged header can only make the cookie stricter).
    private func cookie(value: String, maxAge: Int, request: Request) -> String {
        let proto = request.headers[HTTPField.Name("x-forwarded-proto")!]?.lowercased()
        let secure = sessions.secure || proto == "https"
        return "\(SessionMiddleware.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secure ? "; Secure" : "")"
    }

    /// 429 with the login form, the wait in words and in `Retry-After` (whole seconds, rounded up).
    static func throttled(next: String, wait: Duration) -> Response {
        let (seconds, attoseconds) = wait.components
        let retryAfter = max(1, seconds + (attoseconds > 0 ? 1 : 0))
        var response = PageResponses.html(
            LoginPage.render(next: next, error: "too many failed logins from your address; try again in \(retryAfter) s"),
            status: .tooManyRequests)
        response.headers[.retryAfter] = "\(retryAfter)"
        return response
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
