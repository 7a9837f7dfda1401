/// Where and how to connect to Redis.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    /// A Redis Sentinel to ask where the primary is.
    public struct Sentinel: Sendable, Equatable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// Where the server listens; not used when `sentinels` are set (they say where the primary is).
    public var endpoint: Endpoint
    /// Sentinels watching the primary named `sentinelPrimary`: every connection asks them where the primary is now,
    /// so a failover needs no change of settings. Empty: connect to `endpoint` itself.
    public var sentinels: [Sentinel] = []
    /// The name the sentinels monitor the primary under (`sentinel monitor NAME …`).
    public var sentinelPrimary: String?
    /// Password for `AUTH`, if the server wants one.
    public var password: String?
    /// User for `AUTH` (Redis 6 ACLs); `nil` means the default user.
    public var user: String?
    /// Database number selected after connecting.
    public var database: Int
    /// Longest wait for a connection to open.
    public var connectTimeout: Duration
    /// Longest wait for a reply; a blocking read asks for longer on its own call.
    public var commandTimeout: Duration

    /// A server on `host:port`, database 0, with 2 s connect and 10 s command timeouts.
    public init(host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, user: String? = nil, database: Int = 0) {
        self.endpoint = .tcp(host: host, port: port)
        self.password = password
        self.user = user
        self.database = database
        self.connectTimeout = .seconds(2)
        self.commandTimeout = .seconds(10)
    }

    /// Parses `redis://[[user][:password]@]host[:port][/db]`, `unix:///path/to/socket[?db=N]`, or
    /// `redis-sentinel://[[user][:password]@]host:port[,host:port…]/PRIMARY[/db]` (the sentinels, then the name they
    /// know the primary by; user and password are for the data nodes, the sentinels take none).
    ///
    /// As in RFC 3986 (and redis-py), `redis://name@host` names a user; `redis://:secret@host` gives only a password.
    public init(url: String) throws {
        self.init()
        if url.hasPrefix("redis-sentinel://") {
            var rest = Substring(url.dropFirst("redis-sentinel://".count))
            if let at = rest.lastIndex(of: "@") {
                try readCredentials(rest[..<at])
                rest = rest[rest.index(after: at)...]
            }
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[1].isEmpty, parts[1].count <= 100 else {
                throw RedisError(.invalidConfiguration, "a redis-sentinel URL needs the primary's name: redis-sentinel://host:port,…/NAME[/db]")
            }
            sentinelPrimary = String(parts[1])
            if parts.count >= 3, !parts[2].isEmpty {
                guard let database = Int(parts[2]), database >= 0, parts.count == 3 else {
                    throw RedisError(.invalidConfiguration, "database in the redis URL must be a number, got '\(parts[2].prefix(20))'")
                }
                self.database = database
            }
            for address in parts[0].split(separator: ",") {
                let (host, port) = try Self.hostAndPort(address, defaultPort: 26379)
                sentinels.append(Sentinel(host: host, port: port))
            }
            guard !sentinels.isEmpty, sentinels.count <= 16 else {
                throw RedisError(.invalidConfiguration, "a redis-sentinel URL lists 1-16 sentinels as host:port,host:port")
            }
            endpoint = .tcp(host: sentinels[0].host, port: 6379)
            return
        }
        if url.hasPrefix("unix://") {
            var path = Substring(url.dropFirst("unix://".count))
            if let query = path.firstIndex(of: "?") {
                let parameters = path[path.index(after: query)...]
                path = path[..<query]
                for pair in parameters.split(separator: "&") where pair.hasPrefix("db=") {
                    guard let database = Int(pair.dropFirst(3)), database >= 0 else {
                        throw RedisError(.invalidConfiguration, "database in the redis URL must be a number")
                    }
                    self.database = database
                }
            }
            guard !path.isEmpty else { throw RedisError(.invalidConfiguration, "the unix socket path is empty") }
            endpoint = .unixSocket(path: String(path))
            return
        }
        guard url.hasPrefix("redis://") else {
            throw RedisError(.invalidConfiguration, "the redis URL must start with redis://, redis-sentinel:// or unix://")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            try readCredentials(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        if let slash = rest.firstIndex(of: "/") {
            let databaseText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !databaseText.isEmpty {
                guard let database = Int(databaseText), database >= 0 else {
                    throw RedisError(.invalidConfiguration, "database in the redis URL must be a number, got '\(databaseText)'")
                }
                self.database = database
            }
        }
        let (host, port) = try Self.hostAndPort(rest, defaultPort: 6379)
        endpoint = .tcp(host: host, port: port)
    }

    /// `user:password`, `user` or `:password` before the `@`, percent-escapes decoded.
    private mutating func readCredentials(_ credentials: Substring) throws {
        if let colon = credentials.firstIndex(of: ":") {
            let user = credentials[..<colon]
            self.user = user.isEmpty ? nil : String(user)
            password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
        } else if !credentials.isEmpty {
            user = String(credentials).removingPercentEncoding
        }
    }

    /// `host[:port]` or `[v6]:port`.
    private static func hostAndPort(_ text: Substring, defaultPort: Int) throws -> (String, Int) {
        var host = String(text)
        var port = defaultPort
        if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
            host = String(text[..<colon])
            guard let parsed = Int(text[text.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw RedisError(.invalidConfiguration, "port in the redis URL must be 1-65535")
            }
            port = parsed
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.count <= 255 else { throw RedisError(.invalidConfiguration, "the redis URL has no host") }
        return (host, port)
    }

    /// The address without credentials, safe to log.
    public var description: String {
        if let sentinelPrimary, !sentinels.isEmpty {
            return "redis-sentinel://\(sentinels.map { "\($0.host):\($0.port)" }.joined(separator: ","))/\(sentinelPrimary)/\(database)"
        }
        return switch endpoint {
        case .tcp(let host, let port): "redis://\(host):\(port)/\(database)"
        case .unixSocket(let path): "unix://\(path)?db=\(database)"
        }
    }
}

extension String {
    /// Decodes `%XX` escapes; `nil` if an escape is malformed.
    var removingPercentEncoding: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
