/// Durations as people type them: `5s`, `15m`, `1h`, `1d`, `1h30m` (the CLI's `--every` and the console's schedule form).
public enum DurationText {
    /// Seconds in `text`; `nil` when it is not a duration.
    public static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        var total = 0
        var number = ""
        for character in text.lowercased() {
            if character.isNumber {
                number.append(character)
            } else if let unit = units[character], let value = Int(number) {
                total += value * unit
                number = ""
            } else {
                return nil
            }
        }
        guard number.isEmpty, total > 0 else { return nil }
        return total
    }

    /// The shortest text for `seconds`: `90` → `1m30s`.
    public static func text(_ seconds: Int) -> String {
        var rest = seconds
        var text = ""
        for (name, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(name)"
            rest %= size
        }
        return text.isEmpty ? "0s" : text
    }
}
