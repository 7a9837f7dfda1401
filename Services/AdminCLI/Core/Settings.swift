import Contracts
import Foundation

/// Everything a command needs to reach the services, resolved as flag > environment > config file > default.
struct Settings: Sendable {
    var persistenceURL: String
    var dispatcherURL: String
    var schedulerURL: String
    var monitorURL: String
    var webhooksURL: String
    /// `--gateway-url`, for whichever broker the command needs.
    var gatewayURL: String?
    /// `PSYNC_GATEWAY_<BROKER>_URL` from the environment, then the config file, by broker code.
    var gatewayURLs: [String: String]
    var token: String?
    /// Hosts a gateway found through the monitor may be at (`PSYNC_TRUSTED_WORKER_HOSTS`; loopback by default).
    var trustedWorkers: WorkerAddressPolicy = .loopback
    /// The config file that was read, if any.
    var configPath: String?

    static let defaults = [
        "PSYNC_PERSISTENCE_URL": "http://127.0.0.1:7103",
        "PSYNC_DISPATCHER_URL": "http://127.0.0.1:7102",
        "PSYNC_SCHEDULER_URL": "http://127.0.0.1:7101",
        "PSYNC_MONITOR_URL": "http://127.0.0.1:7104",
        "PSYNC_WEBHOOKS_URL": "http://127.0.0.1:7105",
    ]

    /// Resolves the settings; `warn` gets advice for stderr (a token on argv).
    static func resolve(_ options: ConnectionOptions, environment: [String: String], warn: (String) -> Void) throws -> Settings {
        let config = try ConfigFile.load(environment: environment)
        let file = config?.values ?? [:]
        func value(_ flag: String?, _ name: String) -> String {
            flag ?? environment[name]?.nonEmpty ?? file[name]?.nonEmpty ?? defaults[name]!
        }
        var gateways: [String: String] = [:]
        for source in [file, environment] {
            for (name, url) in source where name.hasPrefix("PSYNC_GATEWAY_") && name.hasSuffix("_URL") && !url.isEmpty {
                let broker = name.dropFirst("PSYNC_GATEWAY_".count).dropLast("_URL".count)
                if !broker.isEmpty { gateways[String(broker)] = url }
            }
        }
        if options.token != nil {
            warn("psync: warning: --token is visible to other users in `ps`; prefer PSYNC_ADMIN_TOKEN or --token-file")
        }
        let token = try resolveToken(options, environment: environment, file: file, configPath: config?.path)
        let trusted: WorkerAddressPolicy
        do {
            trusted = try WorkerAddressPolicy.parse(environment["PSYNC_TRUSTED_WORKER_HOSTS"] ?? file["PSYNC_TRUSTED_WORKER_HOSTS"])
        } catch {
            throw CLIError(error.message)
        }
        return Settings(
            persistenceURL: value(options.persistenceURL, "PSYNC_PERSISTENCE_URL"),
            dispatcherURL: value(options.dispatcherURL, "PSYNC_DISPATCHER_URL"),
            schedulerURL: value(options.schedulerURL, "PSYNC_SCHEDULER_URL"),
            monitorURL: value(options.monitorURL, "PSYNC_MONITOR_URL"),
            webhooksURL: value(options.webhooksURL, "PSYNC_WEBHOOKS_URL"),
            gatewayURL: options.gatewayURL,
            gatewayURLs: gateways,
            token: token,
            trustedWorkers: trusted,
            configPath: config?.path
        )
    }

    /// `--token`, `--token-file`, `PSYNC_ADMIN_TOKEN`, `PSYNC_ADMIN_TOKEN_FILE`, then the same two in the config file.
    private static func resolveToken(
        _ options: ConnectionOptions, environment: [String: String], file: [String: String], configPath: String?
    ) throws -> String? {
        if let token = options.token { return token }
        if let path = options.tokenFile { return try readToken(path, source: "--token-file") }
        if let token = environment["PSYNC_ADMIN_TOKEN"]?.nonEmpty { return token }
        if let path = environment["PSYNC_ADMIN_TOKEN_FILE"]?.nonEmpty { return try readToken(path, source: "PSYNC_ADMIN_TOKEN_FILE") }
        if let token = file["PSYNC_ADMIN_TOKEN"]?.nonEmpty { return token }
        if let path = file["PSYNC_ADMIN_TOKEN_FILE"]?.nonEmpty {
            return try readToken(path, source: "PSYNC_ADMIN_TOKEN_FILE in \(configPath ?? "the config file")")
        }
        return nil
    }

    private static func readToken(_ path: String, source: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(source) names \(path), which cannot be read") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CLIError("\(source) names \(path), which is empty") }
        return token
    }
}
