import Brokers
import Contracts

/// The write-only credentials form of an account: one input per field its broker takes (from the broker's adapter
/// description), posted to the monitor, which hands them to the broker's gateway to be sealed. Nothing stored is
/// ever put back in the form: inputs are password fields that start empty.
enum CredentialsForm {
    /// Input names carry this prefix so they never clash with the form's own fields (`csrf`).
    static let prefix = "cred."

    /// The fields of `broker`: the required ones, then those only its login needs, then the API variant if it has several.
    static func fields(_ broker: String) -> (required: [String], optional: [String]) {
        guard let description = BrokerRegistry.description(for: broker) else { return ([], []) }
        var optional = (description.login?.secretFields ?? []).filter { !description.credentialFields.contains($0) }
        if description.baseURLs.count > 1 { optional.append("environment") }
        return (description.credentialFields, optional)
    }

    /// The values posted for `broker`'s fields, without the prefix; blanks are left out.
    static func values(_ submitted: FormFields, broker: String) -> [String: String] {
        let (required, optional) = fields(broker)
        var values: [String: String] = [:]
        for name in required + optional { if let value = submitted[prefix + name] { values[name] = value } }
        return values
    }

    static func render(_ account: BrokerAccount, view: FormView, hasLogin: Bool, callbackURL: String, viewer: Viewer) -> String {
        let loginNote =
            hasLogin
            ? "<p id=\"callback-url\" data-callback=\"\(HTML.escape(callbackURL))\">Register <code>\(HTML.escape(callbackURL))</code> as the redirect URL of the \(HTML.escape(account.brokerCode)) app, then use <em>Log in</em>.</p>"
            : ""
        guard viewer.canAct else { return "<h2 id=\"credentials\">Credentials</h2>" + loginNote }
        let (required, optional) = fields(account.brokerCode)
        guard !required.isEmpty || !optional.isEmpty else {
            let reason =
                BrokerRegistry.description(for: account.brokerCode) == nil
                ? "this monitor does not know the fields of \(account.brokerCode); use `psync credentials set \(account.id)`"
                : "\(account.brokerCode) takes no credentials"
            return "<h2 id=\"credentials\">Credentials</h2><p class=\"muted\">\(HTML.escape(reason))</p>"
        }
        var inputs = required.map { view.input(prefix + $0, $0, type: "password", required: true) }
        for name in optional {
            if name == "redirect_uri" {
                var shown = view
                shown.values[prefix + name] = callbackURL
                inputs.append(shown.input(prefix + name, name + " (optional)", hint: "the monitor's callback, as registered with the broker"))
            } else if name == "environment" {
                inputs.append(view.input(prefix + name, "environment (optional)", hint: "the API variant, such as paper; live when empty"))
            } else {
                inputs.append(view.input(prefix + name, name + " (optional, for the login)", type: "password"))
            }
        }
        return "<h2 id=\"credentials\">Credentials</h2>" + loginNote
            + "<p class=\"muted\">New values replace everything stored. They are sealed by the \(HTML.escape(account.brokerCode)) gateway and never shown again.</p>"
            + view.form(
                id: "credentials-form", action: "/accounts/\(account.id)/credentials", viewer: viewer, submit: "Seal and store", inputs.joined())
    }
}
