import ArgumentParser

/// Every top-level command, in the order `psync --help` lists them.
enum AdminCommands {
    static let all: [any ParsableCommand.Type] = [
        StatusCommand.self,
        UserCommand.self,
        PortfolioCommand.self,
        AccountCommand.self,
        BrokerCommand.self,
        CredentialsCommand.self,
        SyncCommand.self,
        HoldingsCommand.self,
        PositionsCommand.self,
        TotalsCommand.self,
        TransactionsCommand.self,
        ChangesCommand.self,
        ScheduleCommand.self,
        RunsCommand.self,
        JobsCommand.self,
        WorkersCommand.self,
        QueuesCommand.self,
        DeadCommand.self,
        WebhooksCommand.self,
        AuditCommand.self,
        ImportCommand.self,
        KeysCommand.self,
        LoginCommand.self,
    ]
}
