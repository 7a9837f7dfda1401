public import Contracts
public import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Who this process is: published in heartbeats and log lines.
public struct ServiceIdentity: Sendable {
    /// The executable name, e.g. `psync-persistence`.
    public let service: String
    /// The broker a gateway serves.
    public let broker: String?
    /// The product version.
    public let version: String
    /// Unique per process.
    public let instanceID: String
    public let host: String
    public let pid: Int32
    public let startedAt: Date

    /// This process, as `service` (and `broker` for a gateway).
    public init(service: String, broker: String? = nil, version: String = PSyncVersion.current) {
        self.service = service
        self.broker = broker
        self.version = version
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        host = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        pid = getpid()
        startedAt = Date()
        let suffix = RequestID.make().prefix(6)
        instanceID = [service, broker?.lowercased(), host, String(pid), String(suffix)].compactMap { $0 }.joined(separator: "-")
    }
}
