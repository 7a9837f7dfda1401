/// A cheap pass over a broker's JSON before anything decodes it: nesting no deeper than
/// `maximumDepth`, and every number within `BrokerNumber`'s limits, wherever it is.
///
/// It never allocates per value and never recurses, so a 100,000-deep array or a 5,000-digit
/// number costs one linear scan. It does not validate JSON: malformed input passes and is left to
/// the decoder, which reports it.
enum JSONCheck {
    /// Brokers' bodies nest a handful of levels; Foundation's decoder stops at 512.
    static let maximumDepth = 64

    /// What is wrong with `body`, as the end of a sentence ("a number at data[3].quantity that has …"), or `nil`.
    static func problem(in body: [UInt8]) -> String? {
        var frames: [Frame] = []
        var index = 0
        let count = body.count
        while index < count {
            let byte = body[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard frames.count < maximumDepth else {
                    return "JSON nested deeper than \(maximumDepth) levels (at \(path(frames, body)))"
                }
                frames.append(Frame(isArray: byte == UInt8(ascii: "[")))
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !frames.isEmpty { frames.removeLast() }
                index += 1
            case UInt8(ascii: ","):
                if !frames.isEmpty {
                    frames[frames.count - 1].index += 1
                    frames[frames.count - 1].expectsKey = !frames[frames.count - 1].isArray
                }
                index += 1
            case UInt8(ascii: ":"):
                if !frames.isEmpty { frames[frames.count - 1].expectsKey = false }
                index += 1
            case UInt8(ascii: "\""):
                let start = index + 1
                index = start
                while index < count, body[index] != UInt8(ascii: "\"") {
                    index += body[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                if let last = frames.indices.last, frames[last].expectsKey { frames[last].key = start..<min(index, count) }
                index += 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                while index < count, Self.isNumberByte(body[index]) { index += 1 }
                if let problem = BrokerNumber.problem(body[start..<index]) {
                    return "a number at \(path(frames, body)) that \(problem)"
                }
            default:
                index += 1
            }
        }
        return nil
    }

    private struct Frame {
        let isArray: Bool
        var index = 0
        var key: Range<Int>?
        var expectsKey: Bool

        init(isArray: Bool) {
            self.isArray = isArray
            expectsKey = !isArray
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            true
        default: false
        }
    }

    /// `data[3].quantity`: the first few levels of where the scan is.
    private static func path(_ frames: [Frame], _ body: [UInt8]) -> String {
        var text = ""
        for frame in frames.prefix(8) {
            if frame.isArray {
                text += "[\(frame.index)]"
            } else if let key = frame.key {
                let name = String(decoding: body[key].prefix(40), as: UTF8.self).filter { !$0.isNewline }
                text += (text.isEmpty ? "" : ".") + name
            }
        }
        if frames.count > 8 { text += "…" }
        return text.isEmpty ? "the top level" : text
    }
}
