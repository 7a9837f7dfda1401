/// One of the five fields of a cron expression: its name, the values it takes and the names it accepts.
struct CronField: Sendable {
    /// A field as parsed: the values it selects as bits, its normalised text, and whether it is `*` or `*/N`.
    struct Parsed: Sendable, Equatable {
        var bits: UInt64
        var text: String
        var isUnrestricted: Bool
    }

    let name: String
    let range: ClosedRange<Int>
    /// Upper-case names and their values.
    let names: [String: Int]

    static let minute = CronField(name: "minute", range: 0...59, names: [:])
    static let hour = CronField(name: "hour", range: 0...23, names: [:])
    static let dayOfMonth = CronField(name: "day-of-month", range: 1...31, names: [:])
    static let month = CronField(
        name: "month", range: 1...12,
        names: ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12])
    /// 0 and 7 are both Sunday.
    static let dayOfWeek = CronField(
        name: "day-of-week", range: 0...7, names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6])

    /// The fields in the order they are written.
    static let all = [minute, hour, dayOfMonth, month, dayOfWeek]

    /// Parses a comma list of items: `*`, `N`, `A-B`, each optionally followed by `/STEP`.
    func parse(_ text: Substring) throws -> Parsed {
        var bits: UInt64 = 0
        var items: [String] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw problem(": empty item in list '\(text)'") }
            let (itemBits, itemText) = try parseItem(item)
            bits |= itemBits
            items.append(itemText)
        }
        return Parsed(bits: bits, text: items.joined(separator: ","), isUnrestricted: items.count == 1 && items[0].hasPrefix("*"))
    }

    private func parseItem(_ item: Substring) throws -> (UInt64, String) {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw problem(": cannot read '\(item)'") }
        var step = 1
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit) else { throw problem(": step '\(parts[1])' is not a number") }
            step = Int(parts[1]) ?? Int.max
            guard step >= 1 else { throw problem(": step must be at least 1") }
        }
        let base = parts[0]
        let low: Int
        let high: Int
        var text: String
        if base == "*" {
            (low, high, text) = (range.lowerBound, range.upperBound, "*")
        } else {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2, !ends.contains(where: \.isEmpty) else { throw problem(": cannot read '\(item)'") }
            let first = try value(ends[0], in: item)
            if ends.count == 2 {
                let last = try value(ends[1], in: item)
                guard first.value <= last.value else { throw problem(": range \(base) runs backwards") }
                (low, high, text) = (first.value, last.value, "\(first.text)-\(last.text)")
            } else {
                (low, high, text) = (first.value, parts.count == 2 ? range.upperBound : first.value, first.text)
            }
        }
        if parts.count == 2 { text += "/\(step)" }
        var bits: UInt64 = 0
        var current = low
        while current <= high {
            bits |= 1 << UInt64(current)
            guard high - current >= step else { break }
            current += step
        }
        return (bits, text)
    }

    /// A number in range, or a name this field accepts; `text` is how the normalised expression spells it.
    private func value(_ token: Substring, in item: Substring) throws -> (value: Int, text: String) {
        if token.allSatisfy(\.isASCIIDigit) {
            guard let number = Int(token), range.contains(number) else {
                throw problem(" must be \(range.lowerBound)-\(range.upperBound), got \(Int(token).map(String.init) ?? String(token))")
            }
            return (number, String(number))
        }
        guard token.allSatisfy(\.isASCIILetter) else { throw problem(": cannot read '\(item)'") }
        guard !names.isEmpty else { throw problem(": '\(token)' is not a number") }
        guard let number = names[token.uppercased()] else { throw problem(": unknown name '\(token)'") }
        return (number, token.uppercased())
    }

    private func problem(_ rest: String) -> ScheduleProblem {
        ScheduleProblem(field: "cron", message: "cron field '\(name)'\(rest)")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isASCIILetter: Bool { isASCII && isLetter }
}
