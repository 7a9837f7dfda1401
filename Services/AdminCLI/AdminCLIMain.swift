import ArgumentParser
import Contracts

@main
struct AdminCLIMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync",
        abstract: "Administer portfolio-sync: users, portfolios, accounts, credentials, schedules, syncs, runs and queues.",
        discussion: """
            Service addresses and the admin token come from flags, PSYNC_* environment variables, or the config file \
            `make up` writes (flag > environment > config file), so after `make up` every command works with no flags. \
            Add --json anywhere for the services' JSON. Shell completions: psync --generate-completion-script bash|zsh|fish.

            Example: psync user add --email a@example.com --name "A. Person"
            """,
        version: PSyncVersion.current,
        subcommands: AdminCommands.all
    )

    static func main() async {
        await Invocation.run(Array(CommandLine.arguments.dropFirst()))
    }
}
