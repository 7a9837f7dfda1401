public import Contracts
import Cryptography
import Foundation

/// One token per identity for the processes tests start, and the tokens file (`PSYNC_TOKENS_FILE`) that accepts them
/// by their hashes, as a deployment would have them.
public enum ServiceTokens {
    /// The brokers a test may start gateways for.
    public static let brokers = ["SANDBOX", "ZERODHA", "ALPACA", "UPSTOX", "DHAN", "VESTED"]

    /// Every service identity the file lists.
    public static let services: [Principal] =
        [Principal(.scheduler), Principal(.dispatcher), Principal(.persistence), Principal(.monitor), Principal(.webhooks)]
        + brokers.map { Principal(.gateway, broker: $0) }

    /// The token of `principal` (stable, so a test can call as any service).
    public static func token(_ principal: Principal) -> String {
        "\(principal.identity.replacingOccurrences(of: ":", with: "-").lowercased())-token-for-tests-7f3a"
    }

    /// The identity a process runs as: `psync-gateway --broker X` is `gateway:X`, `psync-scheduler` is `scheduler`;
    /// nil for processes without one (brokersim, the CLI).
    public static func principal(product: String, arguments: [String]) -> Principal? {
        if product == "psync-gateway", let index = arguments.firstIndex(of: "--broker"), index + 1 < arguments.count {
            return Principal(.gateway, broker: arguments[index + 1])
        }
        guard product.hasPrefix("psync-") else { return nil }
        let scope = Scope(rawValue: String(product.dropFirst("psync-".count)))
        return scope.flatMap { $0 == .gateway ? nil : Principal($0) }
    }

    /// The settings a process started as `product` needs: the tokens file and, if it has an identity, its own token.
    public static func environment(product: String, arguments: [String]) throws -> [String: String] {
        var environment = ["PSYNC_TOKENS_FILE": try file()]
        if let principal = principal(product: product, arguments: arguments) { environment["PSYNC_SERVICE_TOKEN"] = token(principal) }
        return environment
    }

    /// The tokens file, with every service identity's hash (written atomically on each call, the same each time).
    public static func file() throws -> String {
        let directory = NSTemporaryDirectory() + "psync-tokens-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/tokens.sha256"
        let lines = ["# identity sha256(token)"] + services.map { "\($0.identity) \(SHA256.hexDigest(token($0)))" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
