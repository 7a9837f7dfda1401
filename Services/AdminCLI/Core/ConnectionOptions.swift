import ArgumentParser

/// Where the services listen and the admin token; each flag beats its `PSYNC_*` variable, which beats the config file.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("persistence-url"), help: "psync-persistence base URL (PSYNC_PERSISTENCE_URL).")
    var persistenceURL: String?
    @Option(name: .customLong("dispatcher-url"), help: "psync-dispatcher base URL (PSYNC_DISPATCHER_URL).")
    var dispatcherURL: String?
    @Option(name: .customLong("scheduler-url"), help: "psync-scheduler base URL (PSYNC_SCHEDULER_URL).")
    var schedulerURL: String?
    @Option(name: .customLong("monitor-url"), help: "psync-monitor base URL (PSYNC_MONITOR_URL).")
    var monitorURL: String?
    @Option(name: .customLong("webhooks-url"), help: "psync-webhooks base URL (PSYNC_WEBHOOKS_URL).")
    var webhooksURL: String?
    @Option(
        name: .customLong("gateway-url"),
        help: "The broker gateway's base URL (PSYNC_GATEWAY_<BROKER>_URL; otherwise asked of the monitor).")
    var gatewayURL: String?
    @Option(help: "Admin token. Visible in `ps`: prefer PSYNC_ADMIN_TOKEN or --token-file.")
    var token: String?
    @Option(name: .customLong("token-file"), help: "A file holding the admin token (PSYNC_ADMIN_TOKEN_FILE).")
    var tokenFile: String?
}
