import Contracts

/// Checks of admin input; each failure is a 422 whose message names the field.
enum Validate {
    static func email(_ value: String, field: String = "email") throws -> String {
        let email = value.trimmed()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else {
            throw APIError.unprocessable("\(field) must be an email address such as ana@example.com, got '\(value.prefix(60))'", field: field)
        }
        return email
    }

    static func name(_ value: String, field: String, maximum: Int = 200) throws -> String {
        let name = value.trimmed()
        guard !name.isEmpty else { throw APIError.unprocessable("\(field) must not be empty", field: field) }
        guard name.count <= maximum else { throw APIError.unprocessable("\(field) must be at most \(maximum) characters", field: field) }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.unprocessable("\(field) must not contain control characters", field: field)
        }
        return name
    }

    static func currency(_ value: String, field: String = "baseCurrency") throws -> String {
        let code = value.trimmed().uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw APIError.unprocessable("\(field) must be a 3-letter ISO 4217 code such as INR or USD, got '\(value.prefix(20))'", field: field)
        }
        return code
    }

    static func optionalText(_ value: String?, field: String, maximum: Int = 200) throws -> String? {
        guard let value else { return nil }
        let text = value.trimmed()
        if text.isEmpty { return nil }
        guard text.count <= maximum else { throw APIError.unprocessable("\(field) must be at most \(maximum) characters", field: field) }
        return text
    }

    static func positive(_ id: Int, field: String) throws {
        guard id > 0 else { throw APIError.unprocessable("\(field) must be a positive id, got \(id)", field: field) }
    }
}

extension String {
    func trimmed() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
