import Contracts
import Cryptography
import HTTPTypes
import Hummingbird
import ServiceKit

/// The session of the request being handled, when it came with a valid session cookie.
enum CurrentSession {
    @TaskLocal static var value: Session?
}

/// Lets a browser's session cookie stand in for a bearer token.
///
/// A session grants its scope to reads; to anything else only when the request also carries the
/// session's CSRF token in `x-csrf-token` (form posts to the pages check their `csrf` field themselves).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    static let cookieName = "psync_session"
    let sessions: SessionStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.principal == nil, let cookie = Self.cookie(Self.cookieName, in: request),
            let session = try await sessions.lookup(cookie: cookie)
        else {
            return try await next(request, context)
        }
        var context = context
        let safe = request.method == .get || request.method == .head
        let headerToken = request.headers[HTTPField.Name("x-csrf-token")!]
        if safe || headerToken.map({ ConstantTime.equals($0, session.csrf) }) == true {
            context.principal = Principal(session.scope)
            context.presentedUnknownToken = false
        }
        // What the monitor does for a session it does for the person's identity (`monitor for admin` downstream).
        return try await CurrentSession.$value.withValue(session) {
            try await RequestActor.$current.withValue(context.principal?.identity ?? "anonymous") {
                try await next(request, context)
            }
        }
    }

    /// The value of cookie `name`, if the request sent it.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingSpaces == name { return pair[1].trimmingSpaces }
            }
        }
        return nil
    }
}

extension Substring {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
