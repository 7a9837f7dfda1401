import Cryptography
import Testing

@Suite("Sealed boxes and key rotation")
struct SealedBoxTests {
    let old = try! SymmetricKey.random()
    let new = try! SymmetricKey.random()
    let secret = Array(#"{"api_key":"kite-key","access_token":"kite-token-123"}"#.utf8)
    let account7 = Array("account:7|ZERODHA".utf8)

    @Test("a box opens with the same associated data and survives its serialized forms")
    func roundTrip() throws {
        let ring = try KeyRing(current: "k1", keys: ["k1": old])
        let box = try ring.seal(secret, associatedData: account7)
        #expect(box.keyID == "k1" && box.version == 1)
        #expect(!String(decoding: box.bytes, as: UTF8.self).contains("kite-token-123"))
        #expect(try ring.open(SealedBox(bytes: box.bytes), associatedData: account7) == secret)
        #expect(try ring.open(SealedBox(base64: box.base64), associatedData: account7) == secret)
    }

    @Test("a box moved to another account does not open")
    func movedBox() throws {
        let ring = try KeyRing(current: "k1", keys: ["k1": old])
        let box = try ring.seal(secret, associatedData: account7)
        #expect(throws: CryptoError.self) { try ring.open(box, associatedData: Array("account:8|ZERODHA".utf8)) }
        #expect(throws: CryptoError.self) { try ring.open(box, associatedData: Array("account:7|UPSTOX".utf8)) }
    }

    @Test("a wrong key id is refused with a clear error")
    func wrongKeyID() throws {
        let sealer = try KeyRing(current: "k9", keys: ["k9": old])
        let opener = try KeyRing(current: "k1", keys: ["k1": old])
        let box = try sealer.seal(secret, associatedData: account7)
        do {
            _ = try opener.open(box, associatedData: account7)
            Issue.record("expected an unknown key id")
        } catch let error as CryptoError {
            #expect(error.isUnknownKeyID)
            #expect(error.message.contains("k9"))
        }
    }

    @Test("changing the key id or version in the header breaks authentication, even with that key present")
    func headerIsAuthenticated() throws {
        let ring = try KeyRing(current: "k1", keys: ["k1": old, "k2": old])
        var box = try ring.seal(secret, associatedData: account7)
        box.keyID = "k2"
        #expect(throws: CryptoError.self) { try ring.open(box, associatedData: account7) }
        var bytes = try ring.seal(secret, associatedData: account7).bytes
        bytes[0] = 2
        #expect(throws: CryptoError.self) { try SealedBox(bytes: bytes) }
    }

    @Test("tampered or truncated boxes are refused without a crash")
    func tamperedBoxes() throws {
        let ring = try KeyRing(current: "k1", keys: ["k1": old])
        let bytes = try ring.seal(secret, associatedData: account7).bytes
        for length in 0..<bytes.count {
            let truncated = Array(bytes.prefix(length))
            #expect(throws: CryptoError.self) { try ring.open(try SealedBox(bytes: truncated), associatedData: account7) }
        }
        for index in 0..<bytes.count {
            var flipped = bytes
            flipped[index] ^= 0x40
            #expect(throws: CryptoError.self) { try ring.open(try SealedBox(bytes: flipped), associatedData: account7) }
        }
        #expect(throws: CryptoError.self) { try SealedBox(base64: "not base64!") }
    }

    @Test("rotation reseals under the new key while the old id still opens")
    func rotation() throws {
        let before = try KeyRing(current: "k1", keys: ["k1": old])
        let during = try KeyRing(current: "k2", keys: ["k1": old, "k2": new])
        let after = try KeyRing(current: "k2", keys: ["k2": new])
        let box = try before.seal(secret, associatedData: account7)
        #expect(try during.open(box, associatedData: account7) == secret)
        let resealed = try during.reseal(box, associatedData: account7)
        #expect(resealed.keyID == "k2")
        #expect(try after.open(resealed, associatedData: account7) == secret)
        #expect(throws: CryptoError.self) { try after.open(box, associatedData: account7) }
    }

    @Test("per-broker keys derived with HKDF are stable and distinct")
    func derivation() throws {
        let master = try SymmetricKey(hex: String(repeating: "11", count: 32))
        let zerodha = try KeyRing.deriveKey(master: master, info: "broker:ZERODHA")
        let again = try KeyRing.deriveKey(master: master, info: "broker:ZERODHA")
        let upstox = try KeyRing.deriveKey(master: master, info: "broker:UPSTOX")
        let ring = try KeyRing(current: "z", keys: ["z": zerodha])
        let box = try ring.seal(secret, associatedData: account7)
        #expect(try KeyRing(current: "z", keys: ["z": again]).open(box, associatedData: account7) == secret)
        #expect(throws: CryptoError.self) { try KeyRing(current: "z", keys: ["z": upstox]).open(box, associatedData: account7) }
    }
}
