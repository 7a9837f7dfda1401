import Contracts

/// A listing's `search` text as an `ILIKE` pattern that matches it anywhere, any case: `%`, `_` and `\` are taken literally.
enum SearchPattern {
    /// Longest search text accepted.
    static let maximumLength = 100

    /// The pattern, or `nil` for no search (absent or blank); longer than 100 characters is a 422 naming `search`.
    static func make(_ text: String?) throws -> String? {
        guard let text = text?.trimmed(), !text.isEmpty else { return nil }
        guard text.count <= maximumLength else {
            throw APIError.unprocessable("search must be at most \(maximumLength) characters, got \(text.count)", field: "search")
        }
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}
