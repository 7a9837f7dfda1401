import Foundation

/// Reads standard input and files on a thread of their own, so a blocking read never holds the cooperative pool.
enum InputReader {
    /// Everything on standard input, up to `limit` bytes.
    static func standardInput(limit: Int = 8 << 20) async throws -> [UInt8] {
        try await onThread {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += buffer[0..<count]
                guard bytes.count <= limit else { throw CLIError("standard input is larger than \(limit >> 20) MiB") }
            }
            return bytes
        }
    }

    /// One line from standard input, without its newline; `nil` at end of input.
    static func line() async -> String? {
        (try? await onThread { Swift.readLine(strippingNewline: true) }) ?? nil
    }

    /// The contents of the file at `path`.
    static func file(_ path: String) async throws -> [UInt8] {
        try await onThread {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
            return Array(data)
        }
    }

    /// Runs `work` on a new thread and returns its result.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
