import Testing

@testable import Webhooks

@Suite("psync-webhooks: egress rules (no network)")
struct EgressRulesTests {
    @Test(
        "every refused range is classified, at both ends where it matters",
        arguments: [
            ("127.0.0.1", EgressAddressClass.loopback), ("127.255.255.254", .loopback), ("10.0.0.1", .private), ("10.255.255.255", .private),
            ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private), ("169.254.169.254", .linkLocal),
            ("169.254.0.1", .linkLocal), ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("0.0.0.0", .unspecified),
            ("0.1.2.3", .reserved), ("224.0.0.1", .multicast), ("239.255.255.255", .multicast), ("240.0.0.1", .reserved),
            ("255.255.255.255", .broadcast), ("192.0.2.10", .documentation), ("198.51.100.7", .documentation), ("203.0.113.99", .documentation),
            ("198.18.0.1", .reserved), ("192.0.0.8", .reserved), ("::1", .loopback), ("::", .unspecified), ("fc00::1", .private),
            ("fd12:3456::1", .private), ("fe80::1", .linkLocal), ("febf:ffff::1", .linkLocal), ("fec0::1", .private), ("ff02::1", .multicast),
            ("2001:db8::1", .documentation), ("2001::1", .reserved), ("100::1", .reserved), ("4000::1", .reserved),
        ])
    func refusedRanges(address: String, expected: EgressAddressClass) throws {
        let parsed = try #require(EgressAddress(address))
        #expect(EgressAddressClass.of(parsed) == expected, "\(address)")
    }

    @Test(
        "public addresses, including the neighbours of refused ranges",
        arguments: [
            "8.8.8.8", "1.1.1.1", "93.184.216.34", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
            "169.253.255.255", "192.167.255.255", "192.169.0.0", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
        ])
    func publicAddresses(address: String) throws {
        #expect(EgressAddressClass.of(try #require(EgressAddress(address))) == .public, "\(address)")
    }

    @Test(
        "IPv6 forms that carry an IPv4 address are judged by it: mapped, compatible, NAT64, 6to4",
        arguments: [
            ("::ffff:127.0.0.1", EgressAddressClass.loopback), ("::ffff:10.1.2.3", .private), ("::ffff:169.254.169.254", .linkLocal),
            ("::ffff:7f00:1", .loopback), ("::127.0.0.1", .loopback), ("::10.0.0.1", .private), ("64:ff9b::a9fe:a9fe", .linkLocal),
            ("2002:0a00:0001::1", .private), ("::ffff:8.8.8.8", .public), ("2002:0808:0808::1", .public), ("::ffff:0.0.0.0", .unspecified),
        ])
    func embeddedIPv4(address: String, expected: EgressAddressClass) throws {
        #expect(EgressAddressClass.of(try #require(EgressAddress(address))) == expected, "\(address)")
    }

    @Test("allowed networks let private addresses through, also as IPv4-mapped IPv6; nothing else")
    func allowedNetworks() throws {
        let policy = try EgressPolicy(allowedHosts: nil, allowedNetworks: "127.0.0.0/8, fd00::/8,10.1.2.3", allowsHTTP: true)
        for allowed in ["127.0.0.1", "127.9.9.9", "::ffff:127.0.0.1", "fd00::5", "10.1.2.3"] {
            #expect(policy.refusal(for: try #require(EgressAddress(allowed)), host: allowed) == nil, "\(allowed)")
        }
        for refused in ["10.1.2.4", "::1", "169.254.169.254", "192.168.0.1", "fc00::1"] {
            #expect(policy.refusal(for: try #require(EgressAddress(refused)), host: refused) != nil, "\(refused)")
        }
        let none = EgressPolicy()
        #expect(none.refusal(for: try #require(EgressAddress("127.0.0.1")), host: "127.0.0.1")?.message == "refused: 127.0.0.1 is a loopback address")
        #expect(
            none.refusal(for: try #require(EgressAddress("10.1.2.3")), host: "internal.example.com")?.message
                == "refused: internal.example.com resolves to 10.1.2.3, a private address")
        #expect(throws: EgressSettingError.self) { try EgressPolicy(allowedHosts: nil, allowedNetworks: "10.0.0.0/33", allowsHTTP: false) }
        #expect(throws: EgressSettingError.self) { try EgressPolicy(allowedHosts: nil, allowedNetworks: "intranet", allowsHTTP: false) }
        #expect(throws: EgressSettingError.self) { try EgressPolicy(allowedHosts: "exa mple.com", allowedNetworks: nil, allowsHTTP: false) }
    }

    @Test("network blocks contain exactly their addresses")
    func networks() throws {
        func address(_ text: String) -> EgressAddress { EgressAddress(text)! }
        let block = try #require(EgressNetwork("172.16.0.0/12"))
        #expect(block.contains(address("172.31.0.1")) && !block.contains(address("172.32.0.1")))
        let v6 = try #require(EgressNetwork("fe80::/10"))
        #expect(v6.contains(address("febf::1")) && !v6.contains(address("fec0::1")))
        #expect(!block.contains(address("::ffff:172.16.0.1")), "families are not mixed by the block itself")
        #expect(EgressNetwork("0.0.0.0/0")?.contains(address("8.8.8.8")) == true)
        #expect(EgressAddress("127.1") == nil && EgressAddress("1.2.3.4.5") == nil && EgressAddress("fe80::1%eth0") == nil)
    }

    @Test("URLs: https only unless http is allowed, no user info, at most 2,000 characters, the host allow-list, a normal form")
    func urls() throws {
        let strict = EgressPolicy()
        #expect(try strict.parse("https://Hooks.Example.com./psync?x=1").normalized == "https://hooks.example.com/psync?x=1")
        #expect(try strict.parse("https://hooks.example.com:8443").normalized == "https://hooks.example.com:8443/")
        #expect(try strict.parse("https://[2606:4700::1]:443/x").normalized == "https://[2606:4700::1]/x")
        func refusal(_ policy: EgressPolicy, _ url: String) -> String? {
            do {
                _ = try policy.parse(url)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(strict, "http://hooks.example.com/") == "refused: plain http is not allowed; use https")
        #expect(refusal(strict, "ftp://hooks.example.com/") == "refused: the URL must be https")
        #expect(refusal(strict, "https://user:pass@hooks.example.com/") == "refused: the URL must not hold a user name or password")
        #expect(refusal(strict, "https://hooks.example.com/" + String(repeating: "a", count: 2000))?.contains("longer than 2000") == true)
        #expect(refusal(strict, "https://hooks.example.com:99999/")?.contains("1-65535") == true)
        #expect(refusal(strict, "https://hööks.example.com/")?.contains("non-ASCII") == true)
        #expect(refusal(strict, "https://hooks example.com/")?.contains("spaces") == true)
        #expect(refusal(strict, "hooks.example.com/psync")?.contains("absolute URL") == true)
        #expect(refusal(strict, "https://[::1/")?.contains("closing bracket") == true)
        #expect(refusal(strict, "https:///psync") == "refused: the URL has no host")

        let http = try EgressPolicy(allowedHosts: nil, allowedNetworks: nil, allowsHTTP: true)
        #expect(refusal(http, "http://hooks.example.com/") == nil)

        let listed = try EgressPolicy(allowedHosts: "hooks.example.com, *.partner.test", allowedNetworks: nil, allowsHTTP: false)
        #expect(refusal(listed, "https://hooks.example.com/") == nil)
        #expect(refusal(listed, "https://a.b.partner.test/") == nil)
        #expect(refusal(listed, "https://partner.test/") == "refused: host partner.test is not in PSYNC_WEBHOOKS_ALLOWED_HOSTS")
        #expect(refusal(listed, "https://evilpartner.test/") != nil)
        #expect(refusal(listed, "https://other.example.com/") != nil)
    }

    @Test("a checked target pins its host to the addresses checked; a literal address needs no pin")
    func pins() throws {
        let url = try EgressURL("https://hooks.example.com:8443/x")
        let target = EgressTarget(url: url, addresses: [try #require(EgressAddress("93.184.216.34")), try #require(EgressAddress("2606:2800::1"))])
        #expect(target.resolveEntries == ["hooks.example.com:8443:93.184.216.34,[2606:2800::1]"])
        let literal = EgressTarget(url: try EgressURL("https://93.184.216.34/x"), addresses: [try #require(EgressAddress("93.184.216.34"))])
        #expect(literal.resolveEntries.isEmpty)
    }
}
