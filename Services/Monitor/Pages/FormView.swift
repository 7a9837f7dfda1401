import Contracts

/// A form's values as typed and its errors by field, to show the form again after a refusal.
struct FormView: Sendable {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]
    /// An error that names no field of the form.
    var general: String?
    /// The status of the service's refusal, if one was recorded (409 for a taken email or name).
    var refusal: Int?

    init(values: [String: String] = [:]) { self.values = values }

    /// The typed values of `names` from submitted fields.
    init(_ fields: FormFields, _ names: [String]) {
        for name in names { if let value = fields[name] { values[name] = value } }
    }

    var isValid: Bool { errors.isEmpty && general == nil }

    func value(_ name: String) -> String { values[name] ?? "" }

    /// Records a refusal from a service by the field it names (`details.field`), or as a general error.
    mutating func record(_ error: APIError, fields: [String]) {
        refusal = error.status
        if case .string(let field)? = error.details?["field"], fields.contains(field) {
            errors[field] = error.message
        } else {
            general = error.message
        }
    }

    /// A labelled input with its error under it (`<p class="field-error" data-field="NAME">`).
    func input(_ name: String, _ label: String, type: String = "text", required: Bool = false, hint: String? = nil) -> String {
        let shown = type == "password" ? "" : value(name)
        return "<label for=\"field-\(HTML.escape(name))\">\(HTML.escape(label))</label>"
            + "<input id=\"field-\(HTML.escape(name))\" name=\"\(HTML.escape(name))\" type=\"\(type)\" value=\"\(HTML.escape(shown))\" size=\"40\""
            + (required ? " required" : "") + (type == "password" ? " autocomplete=\"off\"" : "") + ">"
            + (hint.map { "<br><small class=\"muted\">\(HTML.escape($0))</small>" } ?? "") + error(name)
    }

    /// A labelled select of `options` (value, text) with its error.
    func select(_ name: String, _ label: String, _ options: [(String, String)]) -> String {
        let current = value(name)
        let items = options.map { value, text in
            "<option value=\"\(HTML.escape(value))\"\(value == current ? " selected" : "")>\(HTML.escape(text))</option>"
        }.joined()
        return "<label for=\"field-\(HTML.escape(name))\">\(HTML.escape(label))</label>"
            + "<select id=\"field-\(HTML.escape(name))\" name=\"\(HTML.escape(name))\">\(items)</select>" + error(name)
    }

    func error(_ name: String) -> String {
        errors[name].map { "<p class=\"field-error\" data-field=\"\(HTML.escape(name))\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
    }

    /// A whole form posting to `action` (with the CSRF token), its general error first.
    func form(id: String, action: String, viewer: Viewer, submit: String, _ body: String) -> String {
        let top = general.map { "<p class=\"error\" role=\"alert\" data-field=\"\">\(HTML.escape($0))</p>" } ?? ""
        return top + "<form class=\"edit\" id=\"\(HTML.escape(id))\" method=\"post\" action=\"\(HTML.escape(action))\">\(viewer.csrfField)"
            + body + "<p><button type=\"submit\">\(HTML.escape(submit))</button></p></form>"
    }
}
