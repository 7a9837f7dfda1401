import Contracts
import FoundationEssentials
import Hummingbird
import Logging
import NIOCore
import ServiceKit

/// The login form, single-use login links and the logout.
struct LoginRoutes {
    let sessions: SessionStore
    let tokens: TokenSet
    let logger: Logger

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/login") { request, _ -> Response in
            let next = PageResponses.safeNext(request.uri.queryParameters.get("next").map { String($0) })
            if let ticket = request.uri.queryParameters.get("ticket") {
                guard let scope = try await sessions.redeem(ticket: String(ticket)) else {
                    return PageResponses.html(
                        LoginPage.render(next: next, error: "that login link is not valid any more; log in with a token"), status: .unauthorized)
                }
                return try await start(scope: scope, next: next, via: "ticket")
            }
            return PageResponses.html(LoginPage.render(next: next))
        }
        router.post("/login") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 10)
            let form = ParameterDecoder.parse(query: String(buffer: body))
            let next = PageResponses.safeNext(form["next"]?.first)
            let token = (form["token"]?.first ?? "").trimmingCharacters(in: " ")
            guard let scope = tokens.scope(of: token), scope != .service else {
                logger.notice("login refused")
                return PageResponses.html(LoginPage.render(next: next, error: "that token is not an admin or read-only token"), status: .unauthorized)
            }
            return try await start(scope: scope, next: next, via: "form")
        }
        router.post("/logout") { request, _ -> Response in
            if let session = CurrentSession.value {
                let body = try await request.body.collect(upTo: 16 << 10)
                let form = ParameterDecoder.parse(query: String(buffer: body))
                guard let token = form["csrf"]?.first, ConstantTimeText.equals(token, session.csrf) else {
                    return PageResponses.error(.forbidden("the form is out of date; reload the page and try again"), viewer: nil)
                }
                try await sessions.delete(session.id)
            }
            return PageResponses.redirect("/login", cookie: cookie(value: "", maxAge: 0))
        }
    }

    private func start(scope: Scope, next: String, via: String) async throws -> Response {
        let session = try await sessions.create(scope: scope)
        logger.info("logged in", metadata: ["session.scope": "\(scope.rawValue)", "login.via": "\(via)"])
        return PageResponses.redirect(next, cookie: cookie(value: session.id, maxAge: Int(sessions.ttl.components.seconds)))
    }

    private func cookie(value: String, maxAge: Int) -> String {
        "\(SessionMiddleware.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(sessions.secure ? "; Secure" : "")"
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
