import Contracts
import Testing

/// Which client a login is counted under behind reverse proxies (`PSYNC_MONITOR_TRUSTED_PROXIES`).
@Suite("Trusted proxies: the client a login is counted under")
struct TrustedProxiesTests {
    @Test("the right-most forwarded address that is not a proxy; a peer that is not a proxy is itself, whatever it sends")
    func client() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, fd00::1")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["203.0.113.5"]) == "203.0.113.5")
        // A client may put anything at the left; only the hops our proxies appended count.
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["1.1.1.1, 203.0.113.5, 10.9.9.9"]) == "203.0.113.5")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["1.1.1.1", "203.0.113.5,192.168.1.7"]) == "203.0.113.5")
        #expect(proxies.client(peer: "fd00::1", forwardedFor: ["2001:DB8::5"]) == "2001:db8::5")
        // Every hop a proxy: the left-most.
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["10.0.0.9, 10.0.0.8"]) == "10.0.0.9")
        // Not from a proxy, or no header: the peer.
        #expect(proxies.client(peer: "203.0.113.9", forwardedFor: ["198.51.100.1"]) == "203.0.113.9")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        #expect(TrustedProxies.none.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"]) == "127.0.0.1")
        // Garbage, too many hops or too many bytes: the proxy itself, never a name the client chose.
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["203.0.113.5, evil"]) == "10.1.2.3")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["unknown"]) == "10.1.2.3")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: [Array(repeating: "203.0.113.5", count: 33).joined(separator: ",")]) == "10.1.2.3")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: [String(repeating: "1", count: 3000)]) == "10.1.2.3")
    }

    @Test("settings: addresses and IPv4 blocks; anything else refused, naming the entry")
    func parse() throws {
        #expect(try TrustedProxies.parse(nil) == .none)
        #expect(try TrustedProxies.parse(" ") == .none)
        #expect(try TrustedProxies.parse("0.0.0.0/0").contains("8.8.8.8"))
        #expect(try !TrustedProxies.parse("10.0.0.0/8").contains("11.0.0.1"))
        for bad in ["proxy.local", "10.0.0.0/33", "300.1.1.1", "*", "10.0.0.0/x"] {
            #expect(throws: WorkerAddressPolicyError.self, "\(bad)") { try TrustedProxies.parse(bad) }
        }
    }
}
