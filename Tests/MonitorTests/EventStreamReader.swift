import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a Server-Sent Events response for a while over a plain socket, on its own thread (the test's cooperative
/// threads stay free), and returns everything received; it returns early when the server ends the response
/// (closes the connection or sends the last chunk).
enum EventStreamReader {
    static func read(url: String, path: String, token: String? = nil, cookie: String? = nil, for duration: Duration) async throws -> String {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw EventStreamError("bad monitor URL \(url)")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result { try readBlocking(host: host, port: port, path: path, token: token, cookie: cookie, duration: duration) })
            }
            thread.start()
        }
    }

    private static func readBlocking(host: String, port: Int, path: String, token: String?, cookie: String?, duration: Duration) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw EventStreamError("socket failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw EventStreamError("cannot connect to \(host):\(port)") }
        let credential = (token.map { "Authorization: Bearer \($0)\r\n" } ?? "") + (cookie.map { "Cookie: \($0)\r\n" } ?? "")
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n\(credential)Accept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + duration
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count] } else if count == 0 { break }
            if received.count >= 7, Array(received.suffix(7)) == Array("\r\n0\r\n\r\n".utf8) { break }  // the last chunk
        }
        return String(decoding: received, as: UTF8.self)
    }
}

struct EventStreamError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
