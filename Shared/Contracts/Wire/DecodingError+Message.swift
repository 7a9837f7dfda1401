extension DecodingError {
    /// One clause a person can act on, naming the field: "field 'email' is required".
    public var fieldMessage: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "field '\(Self.path(context.codingPath + [key]))' is required"
        case .valueNotFound(_, let context):
            return "field '\(Self.path(context.codingPath))' must not be null"
        case .typeMismatch(let type, let context):
            let name = Self.path(context.codingPath)
            return name.isEmpty ? "the body must be a JSON \(Self.kind(type))" : "field '\(name)' must be \(Self.article(type))"
        case .dataCorrupted(let context):
            let name = Self.path(context.codingPath)
            if name.isEmpty { return "the body is not valid JSON" }
            // Swift's own message for an unknown enum case: "Cannot initialize State from invalid String value paused".
            if context.debugDescription.hasPrefix("Cannot initialize"), let value = context.debugDescription.split(separator: " ").last {
                return "field '\(name)' has an unknown value '\(value.prefix(40))'"
            }
            return "field '\(name)' \(context.debugDescription.isEmpty ? "is invalid" : context.debugDescription)"
        @unknown default:
            return "the request could not be decoded"
        }
    }

    /// The name of the field at fault, if any.
    public var fieldName: String? {
        switch self {
        case .keyNotFound(let key, let context): Self.path(context.codingPath + [key])
        case .valueNotFound(_, let context), .typeMismatch(_, let context), .dataCorrupted(let context):
            Self.path(context.codingPath).isEmpty ? nil : Self.path(context.codingPath)
        @unknown default: nil
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            .reduce("") { path, part in path.isEmpty || part.hasPrefix("[") ? path + part : path + "." + part }
    }

    private static func kind(_ type: Any.Type) -> String {
        String(describing: type).hasPrefix("Array") ? "array" : "object"
    }

    private static func article(_ type: Any.Type) -> String {
        switch String(describing: type) {
        case "String": "a string"
        case "Int", "Int64", "Int32", "UInt", "UInt64": "an integer"
        case "Double", "Float", "Decimal": "a number"
        case "Bool": "true or false"
        case let name where name.hasPrefix("Array"): "an array"
        case let name where name.hasPrefix("Dictionary"): "an object"
        default: "a valid value"
        }
    }
}
