/// Where and how to connect to Redis.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    /// Where the server listens.
    public var endpoint: Endpoint
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

    /// Parses `redis://[[user][:password]@]host[:port][/db]` or `unix:///path/to/socket[?db=N]`.
    ///
    /// As in RFC 3986 (and redis-py), `redis://name@host` names a user; `redis://:secret@host` gives only a password.
    public init(url: String) throws {
        self.init()
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
            throw RedisError(.invalidConfiguration, "the redis URL must start with redis:// or unix://")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                self.user = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else if !credentials.isEmpty {
                user = String(credentials).removingPercentEncoding
            }
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
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = String(rest[..<colon])
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw RedisError(.invalidConfiguration, "port in the redis URL must be 1-65535")
            }
            port = parsed
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw RedisError(.invalidConfiguration, "the redis URL has no host") }
        endpoint = .tcp(host: host, port: port)
    }

    /// The address without credentials, safe to log.
    public var description: String {
        switch endpoint {
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
