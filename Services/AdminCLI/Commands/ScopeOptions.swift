import ArgumentParser
import Contracts
import Foundation

/// Which accounts a sync or schedule covers: `--all`, `--user U`, `--portfolio P` or `--account A`.
struct ScopeOptions: ParsableArguments {
    @Flag(help: "Every active account.") var all = false
    @Option(help: "Every active account of this user.") var user: Int?
    @Option(help: "Every active account of this portfolio.") var portfolio: Int?
    @Option(help: "This account.") var account: Int?

    /// Whether any scope flag was given.
    var isGiven: Bool { all || user != nil || portfolio != nil || account != nil }

    /// The one scope given; an error naming the flags otherwise.
    func scope() throws -> SyncScope {
        var scopes: [SyncScope] = []
        if all { scopes.append(.all) }
        if let user { scopes.append(.user(user)) }
        if let portfolio { scopes.append(.portfolio(portfolio)) }
        if let account { scopes.append(.account(account)) }
        guard scopes.count == 1 else {
            throw CLIError(
                scopes.isEmpty
                    ? "say which accounts: --all, --user U, --portfolio P or --account A"
                    : "give only one of --all, --user, --portfolio and --account")
        }
        return scopes[0]
    }
}

/// `--action holdings,transactions`.
struct ActionList: ExpressibleByArgument {
    let actions: [JobAction]

    init?(argument: String) {
        var actions: [JobAction] = []
        for name in argument.split(separator: ",") {
            guard let action = JobAction(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
            if !actions.contains(action) { actions.append(action) }
        }
        guard !actions.isEmpty else { return nil }
        self.actions = actions
    }

    static var allValueStrings: [String] { JobAction.allCases.map(\.rawValue) }

    var defaultValueDescription: String { actions.map(\.rawValue).joined(separator: ",") }
}
