import Contracts
import Cryptography
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// The submitted fields of a form (`application/x-www-form-urlencoded`, at most 64 KiB).
struct FormFields: Sendable {
    let values: [String: [String]]

    /// The field's first value, trimmed; `nil` when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first else { return nil }
        let trimmed = value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// Every value given for the field (checkboxes, multi-selects).
    func all(_ name: String) -> [String] { values[name] ?? [] }
}

/// What a form action answers: somewhere to go next, or a page (a form shown again with its errors by the field).
enum ActionOutcome: Sendable {
    case redirect(String)
    case page(title: String, body: String, status: HTTPResponse.Status)
}

/// Registers pages (for people: admin or read-only sessions and tokens) and form actions (admin only, CSRF-checked).
/// Every page file registers its routes through this, so the rules for who may see and do what live here once.
struct PageRouter {
    let router: Router<ServiceRequestContext>
    static let notForServices = "pages are for people: log in with an admin or read-only token, not a service's"

    /// A page for readers; anonymous visitors are sent to the login. `active` names the navigation entry to highlight.
    func page(
        _ path: String, title: String, active: String? = nil,
        render: @escaping @Sendable (Request, ServiceRequestContext, Viewer) async throws -> String
    ) {
        router.get(RouterPath(path)) { request, context -> Response in
            guard let principal = context.principal else {
                return PageResponses.redirect("/login?next=\(HTML.query(PageResponses.here(request)))")
            }
            guard principal.scope.isPerson else { return PageResponses.error(.forbidden(Self.notForServices), viewer: nil) }
            let viewer = Viewer(scope: principal.scope, csrf: CurrentSession.value?.csrf)
            do {
                let body = try await render(request, context, viewer)
                return PageResponses.html(Layout.page(title: title, active: active ?? path, viewer: viewer, body: body))
            } catch let error as APIError {
                return PageResponses.error(error, viewer: viewer)
            }
        }
    }

    /// A form action for administrators that answers with where to go next.
    func action(_ path: String, perform: @escaping @Sendable (ServiceRequestContext) async throws -> String) {
        form(path) { _, context, _, _ in .redirect(try await perform(context)) }
    }

    /// A form action for administrators: a session must send its CSRF token (a bearer token needs none); read-only
    /// viewers get 403. `perform` gets the submitted fields and the viewer (to render a form again with its errors).
    func form(
        _ path: String, active: String? = nil,
        perform: @escaping @Sendable (Request, ServiceRequestContext, FormFields, Viewer) async throws -> ActionOutcome
    ) {
        router.post(RouterPath(path)) { request, context -> Response in
            if let principal = context.principal, !principal.scope.isPerson {
                return PageResponses.error(.forbidden(Self.notForServices), viewer: nil)
            }
            var scope = context.principal?.scope
            let session = CurrentSession.value
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: 64 << 10)
            } catch {
                return PageResponses.error(.payloadTooLarge("a form may send at most 64 KiB"), viewer: nil)
            }
            let fields = FormFields(values: ParameterDecoder.parse(query: String(buffer: body)))
            if let session, scope == nil || scope == session.scope {
                guard let token = fields.values["csrf"]?.first, ConstantTime.equals(token, session.csrf) else {
                    return PageResponses.error(
                        .forbidden("the form is out of date or came from another site; reload the page and try again"), viewer: nil)
                }
                scope = session.scope
            }
            guard let scope else { return PageResponses.redirect("/login") }
            let viewer = Viewer(scope: scope, csrf: session?.csrf)
            guard scope == .admin else {
                return PageResponses.error(.forbidden("this needs an admin token; yours has \(scope.rawValue) scope"), viewer: viewer)
            }
            do {
                // A session's post has no principal yet (its CSRF token is checked here): what it does is audited as its person.
                let outcome = try await RequestActor.$current.withValue(Principal(scope).identity) {
                    try await perform(request, context, fields, viewer)
                }
                switch outcome {
                case .redirect(let location):
                    return PageResponses.redirect(location)
                case .page(let title, let body, let status):
                    return PageResponses.html(
                        Layout.page(title: title, active: active ?? path, viewer: viewer, live: false, body: body), status: status)
                }
            } catch let error as APIError {
                return PageResponses.error(error, viewer: viewer)
            }
        }
    }

    /// The `{id}` path parameter as a positive number, or 400.
    static func id(_ context: ServiceRequestContext, _ name: String = "id") throws -> Int {
        let text = context.parameters.get(name) ?? ""
        guard let id = Int(text), id > 0 else { throw APIError.badRequest("the id must be a positive number, got '\(text.prefix(20))'") }
        return id
    }
}
