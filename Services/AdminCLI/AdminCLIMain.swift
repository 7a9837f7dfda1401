import ArgumentParser
import Contracts

@main
struct AdminCLIMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psync",
        abstract: "Administer portfolio-sync: users, portfolios, accounts, credentials, schedules, syncs, runs and queues.",
        discussion: """
            Service addresses and the admin token come from flags, PSYNC_* environment variables, or the config file \
            `make up` writes, so after `make up` every command works with no flags.
            """,
        version: PSyncVersion.current,
        subcommands: [StatusCommand.self]
    )
}
