import Cryptography
import Testing

@Suite("Hex")
struct HexTests {
    @Test("bytes to lowercase hex and back; either case read; odd lengths and non-hex refused")
    func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x0f, 0x10, 0xab, 0xff]
        #expect(Hex.string(bytes) == "000f10abff")
        #expect(Hex.bytes("000f10abff") == bytes)
        #expect(Hex.bytes("000F10ABFF") == bytes)
        #expect(Hex.bytes("") == [])
        #expect(Hex.bytes("abc") == nil)
        #expect(Hex.bytes("+f") == nil, "a sign is not a digit")
        #expect(Hex.bytes("0g") == nil)
        #expect(Hex.string(SHA256.hash(Array("abc".utf8))) == SHA256.hexDigest("abc"))
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
