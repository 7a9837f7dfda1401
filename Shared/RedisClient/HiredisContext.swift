internal import CHiredis

#if canImport(Glibc)
    import Glibc
#endif

/// One hiredis connection. Not thread-safe: only its `RedisConnection`'s thread touches it.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>

    /// hiredis writes with `write(2)`: a write to a connection Redis has closed (a restart, an outage) raises SIGPIPE,
    /// whose default action ends the process. It must be an error on that connection instead, so the first
    /// connection of a process ignores the signal, as hiredis' documentation asks of its users.
    private static let brokenPipesIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Connects and authenticates; blocks for up to the connect timeout. With sentinels, asks them where the primary is
    /// and checks it is one (`ROLE`): a sentinel may answer with the old primary for a moment after a failover.
    static func connect(_ configuration: RedisConfiguration) throws -> HiredisContext {
        guard let name = configuration.sentinelPrimary, !configuration.sentinels.isEmpty else {
            return try HiredisContext(configuration: configuration, endpoint: configuration.endpoint)
        }
        var problems: [String] = []
        for sentinel in configuration.sentinels {
            let address: (host: String, port: Int)
            do {
                var asking = RedisConfiguration(host: sentinel.host, port: sentinel.port)
                asking.connectTimeout = min(configuration.connectTimeout, .seconds(1))
                asking.commandTimeout = .seconds(1)
                let context = try HiredisContext(configuration: asking, endpoint: asking.endpoint)
                let reply = try context.command(["SENTINEL", "get-master-addr-by-name", .init(name)])
                guard case .array(let parts) = reply, parts.count == 2, let host = parts[0].string, let portText = parts[1].string,
                    let port = Int(portText), (1...65535).contains(port), !host.isEmpty, host.utf8.count <= 255
                else {
                    problems.append("\(sentinel.host):\(sentinel.port) does not know '\(name)'")
                    continue
                }
                address = (host, port)
            } catch {
                problems.append("\(sentinel.host):\(sentinel.port): \(error)")
                continue
            }
            do {
                let primary = try HiredisContext(configuration: configuration, endpoint: .tcp(host: address.host, port: address.port))
                if case .array(let role) = try primary.command(["ROLE"]), role.first?.string == "master" { return primary }
                problems.append("\(address.host):\(address.port), named by \(sentinel.host):\(sentinel.port), is not a primary (yet)")
            } catch {
                problems.append("\(address.host):\(address.port), named by \(sentinel.host):\(sentinel.port): \(error)")
            }
        }
        throw RedisError(.connection, "no sentinel named a reachable primary for '\(name)': " + problems.joined(separator: "; "))
    }

    private init(configuration: RedisConfiguration, endpoint: RedisConfiguration.Endpoint) throws {
        Self.brokenPipesIgnored
        let connectTimeout = timeval(configuration.connectTimeout)
        let opened: UnsafeMutablePointer<redisContext>? =
            switch endpoint {
            case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), connectTimeout)
            case .unixSocket(let path): redisConnectUnixWithTimeout(path, connectTimeout)
            }
        guard let opened else { throw RedisError(.connection, "cannot allocate a connection to \(configuration)") }
        if opened.pointee.err != 0 {
            let reason = Self.errorText(opened)
            redisFree(opened)
            throw RedisError(.connection, "\(configuration): \(reason)")
        }
        // From here on a throw runs deinit, which frees the context.
        context = opened
        if case .tcp = endpoint { _ = redisEnableKeepAlive(opened) }
        setTimeout(configuration.commandTimeout)
        if let password = configuration.password {
            let auth: [RedisArgument] =
                if let user = configuration.user { ["AUTH", .init(user), .init(password)] } else { ["AUTH", .init(password)] }
            if case .error(let message) = try command(auth) {
                throw RedisError(.connection, "authentication to \(configuration) failed: \(message.prefix(80))")
            }
        }
        if configuration.database != 0, case .error(let message) = try command(["SELECT", .init(configuration.database)]) {
            throw RedisError(.connection, "cannot select database \(configuration.database): \(message)")
        }
    }

    deinit { redisFree(context) }

    /// Sets how long a reply may take before the call fails (and the connection is dropped).
    func setTimeout(_ duration: Duration) {
        _ = redisSetTimeout(context, timeval(duration))
    }

    /// Sends one command and reads its reply; error replies come back as `.error`.
    func command(_ arguments: [RedisArgument]) throws -> RedisValue {
        let reply = Self.withArgv(arguments) { count, argv, lengths in redisCommandArgv(context, count, argv, lengths) }
        guard let reply else { throw RedisError(.connection, Self.errorText(context)) }
        defer { freeReplyObject(reply) }
        return Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends every command before reading any reply: one round trip for the lot.
    func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisValue] {
        for arguments in commands {
            let status = Self.withArgv(arguments) { count, argv, lengths in redisAppendCommandArgv(context, count, argv, lengths) }
            guard status == REDIS_OK else { throw RedisError(.connection, Self.errorText(context)) }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else {
                throw RedisError(.connection, Self.errorText(context))
            }
            replies.append(Self.value(of: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return replies
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulk(reply.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_STATUS:
            return .status(text(reply))
        case REDIS_REPLY_ERROR:
            return .error(text(reply))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<reply.elements).map { value(of: reply.element[$0]!) })
        default:
            return .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: &context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "connection closed" : text
    }

    /// Lays the arguments out in one buffer and hands hiredis pointers and lengths into it.
    private static func withArgv<T>(
        _ arguments: [RedisArgument],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T
    ) -> T {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(arguments.reduce(1) { $0 + $1.bytes.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(buffer.count)
            lengths.append(argument.bytes.count)
            buffer.append(contentsOf: argument.bytes)
        }
        buffer.append(0)
        return buffer.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengths in
                    body(Int32(arguments.count), argv.baseAddress!, lengths.baseAddress!)
                }
            }
        }
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
