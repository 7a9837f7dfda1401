import Contracts
import HTTPTypes
import Hummingbird
import RPC
import ServiceKit

/// A broker login in the browser (Kite's daily login, Upstox's OAuth): `GET /accounts/{id}/login` asks the account's
/// gateway for the broker's login page with a fresh single-use `state` and sends the browser there; the broker sends it
/// back to `GET /login/broker/callback` with the one-time code and that state, which must be this session's, unused
/// and under ten minutes old. The gateway exchanges the code and seals the new access token.
struct BrokerLoginRoutes {
    let data: MonitorData
    let gateways: GatewayLocator
    let states: BrokerLoginStates
    static let callbackPath = "/login/broker/callback"

    /// The address to register with the broker: `PSYNC_MONITOR_PUBLIC_URL`, else the address this request came in on.
    static func callbackURL(publicURL: String?, request: Request) -> String {
        (publicURL ?? "http://" + (request.head.authority ?? "127.0.0.1:7104")) + callbackPath
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/accounts/{id}/login") { request, context -> Response in
            guard let principal = context.principal else {
                return PageResponses.redirect("/login?next=\(HTML.query(PageResponses.here(request)))")
            }
            let viewer = Viewer(scope: principal.scope, csrf: CurrentSession.value?.csrf)
            guard principal.scope == .admin else {
                return PageResponses.error(
                    .forbidden("logging an account in needs an admin session; yours has \(principal.scope.rawValue) scope"), viewer: viewer)
            }
            guard let session = CurrentSession.value else {
                return PageResponses.error(
                    .badRequest("a broker login runs in a browser: log in to the monitor with a browser and start it there"), viewer: viewer)
            }
            do {
                let id = try PageRouter.id(context)
                let account = try await rpc { try await data.persistence.call(PersistenceAPI.getAccount, ByID(id: id)) }
                let gateway = try await gateways.gateway(account.brokerCode)
                let state = BrokerLoginStates.make()
                let login = try await GatewayLocator.call { try await gateway.call(GatewayAPI.loginURL, LoginURLRequest(id: id, state: state)) }
                guard login.url.hasPrefix("https://") || login.url.hasPrefix("http://") else {
                    throw APIError.unavailable("the \(account.brokerCode) gateway answered with a login page that is not an http(s) address")
                }
                try await states.save(state, session: session, accountID: id, broker: account.brokerCode, parameter: login.redirectParameter)
                return PageResponses.redirect(login.url)
            } catch let error as APIError {
                return PageResponses.error(error, viewer: viewer)
            }
        }
        router.get(RouterPath(Self.callbackPath)) { request, context -> Response in
            await callback(request, context: context)
        }
    }

    private func callback(_ request: Request, context: ServiceRequestContext) async -> Response {
        let query = request.uri.queryParameters
        guard let session = CurrentSession.value, let principal = context.principal else {
            // The session cookie is SameSite=Strict, so a browser coming back from the broker's site does not send it:
            // one hop through a page of our own makes the request same-site. Without a session after that, refuse.
            if query.get("bounced") == nil { return Self.bounce(request) }
            return PageResponses.error(
                .badRequest("this browser is not logged in to the monitor; log in, then start the broker login again from the account page"),
                viewer: nil)
        }
        let viewer = Viewer(scope: principal.scope, csrf: session.csrf)
        guard principal.scope == .admin else {
            return PageResponses.error(.forbidden("completing a broker login needs an admin session"), viewer: viewer)
        }
        do {
            guard let state = query.get("state"), !state.isEmpty else {
                throw APIError.badRequest("the broker's redirect carries no state, so it cannot be matched to a login started here; start it again")
            }
            let record: BrokerLoginStates.Record
            switch try await states.redeem(state, session: session) {
            case .success(let found): record = found
            case .failure(let error): throw error
            }
            // What the broker says went wrong is not repeated: the page shows only text of our own.
            if query.get("error") != nil || query.get("status").map({ $0 != "success" }) == true {
                throw APIError.badRequest("\(record.broker) did not complete the login; start it again from the account page")
            }
            guard let code = query.get(record.parameter), !code.isEmpty else {
                throw APIError.badRequest("the redirect from \(record.broker) carries no \(record.parameter); start the login again")
            }
            let gateway = try await gateways.gateway(record.broker)
            _ = try await GatewayLocator.call { try await gateway.call(GatewayAPI.completeLogin, CompleteLogin(id: record.accountID, code: code)) }
            return PageResponses.redirect("/accounts/\(record.accountID)?notice=login")
        } catch let error as APIError {
            return PageResponses.error(error, viewer: viewer)
        } catch {
            return PageResponses.error(.unavailable("the broker login could not be completed; try again"), viewer: viewer)
        }
    }

    /// A page of our own that sends the browser on to the same address (a refresh, and a link without one).
    static func bounce(_ request: Request) -> Response {
        let target = PageResponses.here(request) + (request.uri.query == nil ? "?" : "&") + "bounced=1"
        let body = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=\(HTML.escape(target))">\
            <title>Completing the broker login · psync monitor</title></head><body>\
            <p>Completing the broker login… \(HTML.link(target, "Continue"))</p></body></html>
            """
        return PageResponses.html(body)
    }
}
