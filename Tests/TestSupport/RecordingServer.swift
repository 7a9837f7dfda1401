import Foundation
import Synchronization

/// A loopback HTTP server that answers every request with one canned response and keeps every request it got,
/// raw: a stand-in for an impostor a forged heartbeat points to, so a test can show it was sent nothing secret.
public final class RecordingServer: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let socket: Int32
    private let received = RequestLog()

    /// Listens on a free loopback port; answers `status` with `body` (JSON) to every request.
    public init(status: Int = 200, body: String) throws {
        let (listener, port) = try LoopbackListener.open(backlog: 16)
        socket = listener
        self.port = port
        let response = Array(
            "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        let received = received
        // A thread of its own: accept and read block, and must not hold a thread of the cooperative pool.
        Thread.detachNewThread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                while true {
                    let count = read(connection, &buffer, buffer.count)
                    if count <= 0 { break }
                    request += buffer[0..<count]
                    let text = String(decoding: request, as: UTF8.self)
                    if let end = text.range(of: "\r\n\r\n") {
                        let header = text[..<end.lowerBound].lowercased()
                        let declared =
                            header.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                        if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= declared { break }
                    }
                }
                received.append(String(decoding: request, as: UTF8.self))
                _ = response.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
    }

    /// Every request received so far, raw (request line, headers, body).
    public var requests: [String] { received.all }

    /// Stops listening.
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}

/// The requests a `RecordingServer` got, shared with its thread.
final class RequestLog: Sendable {
    private let requests = Mutex<[String]>([])

    func append(_ request: String) { requests.withLock { $0.append(request) } }
    var all: [String] { requests.withLock { $0 } }
}

/// A listening TCP socket on a free loopback port, for the test servers here.
enum LoopbackListener {
    /// The socket and the port it got.
    static func open(backlog: Int32) throws -> (socket: Int32, port: Int) {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw HarnessError("socket() failed") }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, backlog) == 0 else {
            close(listener)
            throw HarnessError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }
}
