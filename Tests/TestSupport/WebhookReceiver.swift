public import Foundation
import Synchronization

/// A webhook receiver on loopback for tests and benchmarks: a socket server (a thread per connection) that records
/// every request it gets, with its arrival time, and answers as its script says (500 a few times then 200, a redirect,
/// an endless body, silence).
public final class WebhookReceiver: Sendable {
    /// One request as it arrived.
    public struct Received: Sendable {
        public let method: String
        public let path: String
        /// Header names in lowercase.
        public let headers: [String: String]
        public let body: [UInt8]
        public let arrivedAt: Date

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How to answer one request.
    public enum Reply: Sendable {
        /// This status, with a short body.
        case status(Int)
        /// 302 to `location`.
        case redirect(String)
        /// 200 with `bytes` bytes of body and no length, so only the reader can stop it.
        case huge(bytes: Int)
        /// Nothing, for this long, then the connection closes.
        case silence(Duration)
        /// 200, after this long.
        case slow(Duration)
    }

    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }
    private let socket: Int32
    private let log = Mutex<[Received]>([])
    private let answers = Mutex(0)
    private let responder: Mutex<@Sendable (Received, Int) -> Reply>

    /// Listens on a free loopback port; answers 200 until told otherwise.
    public init() throws {
        let (listener, port) = try LoopbackListener.open(backlog: 256)
        socket = listener
        self.port = port
        responder = Mutex({ _, _ in .status(200) })
        // Threads of their own: accept, read and write block, and must not hold threads of the cooperative pool.
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread.detachNewThread { [self] in serve(connection) }
            }
        }
    }

    /// Answers from now on by `reply(request, index)`, where `index` counts the requests that came before this one.
    public func respond(_ reply: @escaping @Sendable (Received, Int) -> Reply) {
        responder.withLock { $0 = reply }
    }

    /// Answers 500 to the first `count` requests from now on that carry event `eventID` (every event when nil), then 200.
    public func fail(first count: Int, eventID: String? = nil) {
        let seen = Tally()
        respond { request, _ in
            guard eventID == nil || request.header("Psync-Event-Id") == eventID else { return .status(200) }
            return seen.next() <= count ? .status(500) : .status(200)
        }
    }

    /// How many `.slow` answers have been written in full.
    public var slowAnswersSent: Int { answers.withLock { $0 } }

    /// Every request so far, in arrival order.
    public var received: [Received] { log.withLock { $0 } }

    /// Stops listening (connections already open finish).
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = Self.read(connection) else { return }
        let reply = log.withLock { log in
            let index = log.count
            log.append(request)
            return index
        }
        let answer = responder.withLock { $0 }(request, reply)
        switch answer {
        case .status(let status):
            let body = status == 200 ? "ok" : "status \(status)"
            Self.send(
                connection,
                "HTTP/1.1 \(status) X\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        case .redirect(let location):
            Self.send(connection, "HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        case .huge(let bytes):
            Self.send(connection, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 << 10)
            var sent = 0
            while sent < bytes {
                let count = chunk.withUnsafeBufferPointer {
                    Glibc.send(connection, $0.baseAddress, min(chunk.count, bytes - sent), Int32(MSG_NOSIGNAL))
                }
                guard count > 0 else { return }
                sent += count
            }
        case .silence(let duration):
            Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        case .slow(let duration):
            Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            Self.send(connection, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            answers.withLock { $0 += 1 }
        }
    }

    private static func send(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBufferPointer { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            offset += count
        }
    }

    /// One request: request line, headers, and a body of Content-Length bytes.
    private static func read(_ connection: Int32) -> Received? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        var declared = 0
        while true {
            if let end = headerEnd, data.count - end >= declared { break }
            let count = Glibc.recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            if headerEnd == nil, let range = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = range.upperBound
                let head = String(decoding: data[..<range.lowerBound], as: UTF8.self).lowercased()
                declared =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            }
            guard data.count < 16 << 20 else { return nil }
        }
        let arrivedAt = Date()
        let end = headerEnd!
        let lines = String(decoding: data[..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Received(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: Array(data[end..<(end + declared)]),
            arrivedAt: arrivedAt)
    }
}

/// A counter a `WebhookReceiver` script can keep across requests.
public final class Tally: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// One more, and the count so far (1 the first time).
    public func next() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
