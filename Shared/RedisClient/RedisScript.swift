import Synchronization

/// A Lua script run with `EVALSHA`; it is loaded on first use and again after a server restart.
///
/// ```swift
/// let release = RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
/// let released = try await redis.evaluate(release, keys: ["lease"], arguments: [.init(token)])
/// ```
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sha = Mutex<String?>(nil)

    /// A script from its Lua source.
    public init(_ source: String) {
        self.source = source
    }

    var loadedSHA: String? { sha.withLock { $0 } }

    func remember(_ value: String) {
        sha.withLock { $0 = value }
    }
}

extension RedisCommands {
    /// Runs `script` by its SHA-1 with `EVALSHA`, loading it when the server does not know it.
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [RedisArgument] = []) async throws -> RedisValue {
        let sha: String
        if let known = script.loadedSHA {
            sha = known
        } else {
            sha = try await load(script)
        }
        do {
            return try await send(evalArguments(sha, keys, arguments))
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            return try await send(evalArguments(try await load(script), keys, arguments))
        }
    }

    /// `SCRIPT LOAD`: registers the script and returns its SHA-1.
    @discardableResult
    public func load(_ script: RedisScript) async throws -> String {
        let reply = try await send(["SCRIPT", "LOAD", .init(script.source)])
        guard let sha = reply.string else { throw RedisError.unexpected("SCRIPT LOAD", reply) }
        script.remember(sha)
        return sha
    }

    private func evalArguments(_ sha: String, _ keys: [String], _ arguments: [RedisArgument]) -> [RedisArgument] {
        ["EVALSHA", .init(sha), .init(keys.count)] + keys.map { RedisArgument($0) } + arguments
    }
}
