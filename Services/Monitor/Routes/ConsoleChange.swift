import Contracts
import HTTPTypes

/// How the console's forms make a change: a refusal (422, 409, or 404 of something the form names) shows the form
/// again with the message by its field, and what was typed kept; anything else is an error page.
enum ConsoleChange {
    /// The call's result, or `nil` after recording its refusal in `view`; a 404 is shown by `missing`, the field that
    /// names what the change refers to (the owner of a new portfolio, the portfolio of a new account).
    static func attempt<T>(_ view: inout FormView, fields: [String], missing: String? = nil, _ call: () async throws -> T) async throws -> T? {
        do {
            return try await rpc(call)
        } catch let error as APIError where [404, 409, 422].contains(error.status) {
            if error.status == 404, let missing {
                view.errors[missing] = error.message
                view.refusal = 422
            } else {
                view.record(error, fields: fields)
            }
            return nil
        }
    }

    /// The form shown again with its errors, with 422 (409 for a conflict).
    static func again(_ view: FormView, title: String, body: String) -> ActionOutcome {
        .page(title: title, body: body, status: view.refusal == 409 ? .conflict : .unprocessableContent)
    }
}
