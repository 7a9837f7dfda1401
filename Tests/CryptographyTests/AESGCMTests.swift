import Cryptography
import Testing

/// Hex helpers for test vectors.
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

struct GCMVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let nonce: String
    let plaintext: String
    let associatedData: String
    let ciphertext: String
    let tag: String
    var testDescription: String { name }
}

@Suite("AES-256-GCM and HKDF")
struct AESGCMTests {
    /// The AES-256 cases of the GCM specification's test vectors (McGrew & Viega, as used by NIST's CAVP).
    static let vectors = [
        GCMVector(
            name: "case 13: empty", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
            plaintext: "", associatedData: "", ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
        GCMVector(
            name: "case 14: one zero block", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
            plaintext: String(repeating: "00", count: 16), associatedData: "", ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919"),
        GCMVector(
            name: "case 15: four blocks", key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", nonce: "cafebabefacedbaddecaf888",
            plaintext:
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            associatedData: "",
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c"),
        GCMVector(
            name: "case 16: with associated data", key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            associatedData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    @Test("known-answer vectors seal and open", arguments: vectors)
    func knownAnswers(_ vector: GCMVector) throws {
        let key = try SymmetricKey(bytes: hex(vector.key))
        let sealed = try AESGCM.seal(hex(vector.plaintext), key: key, nonce: hex(vector.nonce), associatedData: hex(vector.associatedData))
        #expect(hex(sealed.ciphertext) == vector.ciphertext)
        #expect(hex(sealed.tag) == vector.tag)
        let opened = try AESGCM.open(
            ciphertext: hex(vector.ciphertext), tag: hex(vector.tag), nonce: hex(vector.nonce), key: key, associatedData: hex(vector.associatedData)
        )
        #expect(opened == hex(vector.plaintext))
    }

    @Test("a flipped bit in ciphertext, tag, nonce or associated data is rejected")
    func tampering() throws {
        let key = try SymmetricKey.random()
        let aad = Array("account:7|ZERODHA".utf8)
        let sealed = try AESGCM.seal(Array("access-token-value".utf8), key: key, associatedData: aad)
        func opens(_ ciphertext: [UInt8], _ tag: [UInt8], _ nonce: [UInt8], _ aad: [UInt8]) -> Bool {
            (try? AESGCM.open(ciphertext: ciphertext, tag: tag, nonce: nonce, key: key, associatedData: aad)) != nil
        }
        #expect(opens(sealed.ciphertext, sealed.tag, sealed.nonce, aad))
        for index in 0..<sealed.ciphertext.count {
            var flipped = sealed.ciphertext
            flipped[index] ^= 0x01
            #expect(!opens(flipped, sealed.tag, sealed.nonce, aad))
        }
        for index in 0..<sealed.tag.count {
            var flipped = sealed.tag
            flipped[index] ^= 0x80
            #expect(!opens(sealed.ciphertext, flipped, sealed.nonce, aad))
        }
        var nonce = sealed.nonce
        nonce[0] ^= 1
        #expect(!opens(sealed.ciphertext, sealed.tag, nonce, aad))
        var otherAAD = aad
        otherAAD[8] ^= 1
        #expect(!opens(sealed.ciphertext, sealed.tag, sealed.nonce, otherAAD))
        #expect(!opens(Array(sealed.ciphertext.dropLast()), sealed.tag, sealed.nonce, aad))
    }

    @Test("random nonces differ between seals of the same plaintext")
    func nonces() throws {
        let key = try SymmetricKey.random()
        let first = try AESGCM.seal([1, 2, 3], key: key)
        let second = try AESGCM.seal([1, 2, 3], key: key)
        #expect(first.nonce != second.nonce)
        #expect(first.ciphertext != second.ciphertext)
    }

    @Test("HKDF-SHA256 matches RFC 5869 test case 1")
    func hkdf() throws {
        let output = try HKDF.deriveSHA256(
            inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22),
            salt: hex("000102030405060708090a0b0c"),
            info: hex("f0f1f2f3f4f5f6f7f8f9"),
            outputByteCount: 42
        )
        #expect(hex(output) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    @Test("constant-time comparison is correct on equal, different and different-length inputs")
    func constantTime() {
        #expect(ConstantTime.equals("token-abc", "token-abc"))
        #expect(!ConstantTime.equals("token-abc", "token-abd"))
        #expect(!ConstantTime.equals("token-abc", "token-ab"))
        #expect(!ConstantTime.equals([], [0]))
        #expect(ConstantTime.equals([], []))
    }

    @Test("keys refuse the wrong size and never print their bytes")
    func keys() throws {
        #expect(throws: CryptoError.self) { try SymmetricKey(bytes: [1, 2, 3]) }
        #expect(throws: CryptoError.self) { try SymmetricKey(hex: "abc") }
        let key = try SymmetricKey(hex: String(repeating: "ab", count: 32))
        #expect(!"\(key)".contains("ab"))
    }
}

@Suite("SHA-256")
struct DigestTests {
    @Test("known digests, and Kite's login checksum shape")
    func digests() {
        #expect(SHA256.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest("api_key" + "request_token" + "api_secret").count == 64)
    }
}
