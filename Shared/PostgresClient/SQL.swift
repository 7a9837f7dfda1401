/// A SQL statement whose interpolated values become bound parameters (`$1`, `$2`, …), never SQL text.
///
/// ```swift
/// let email = "a@example.com"
/// let rows = try await pool.query("SELECT id FROM users WHERE email = \(email) AND active = \(true)")
/// let filter: SQL = "status = \(status)"
/// let page = try await pool.query("SELECT id FROM jobs WHERE \(filter) ORDER BY id LIMIT \(50)")
/// ```
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Piece: Sendable {
        case text(String)
        case parameter(String?)
    }

    var pieces: [Piece]

    /// A statement with no parameters.
    public init(stringLiteral value: String) {
        pieces = [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }

    /// Builds the statement piece by piece.
    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            pieces.append(.text(literal))
        }

        /// A value, bound as the next `$n` parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            pieces.append(.parameter(value.postgresText))
        }

        /// An optional value, bound as the next parameter (NULL when `nil`).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            pieces.append(.parameter(value?.postgresText ?? nil))
        }

        /// A fragment built the same way, spliced in with its parameters renumbered.
        public mutating func appendInterpolation(_ fragment: SQL) {
            pieces += fragment.pieces
        }

        /// A table or column name, double-quoted so it can never end the identifier.
        public mutating func appendInterpolation(identifier: String) {
            pieces.append(.text("\"" + identifier.replacingAll("\"", with: "\"\"") + "\""))
        }
    }

    /// The statement text with `$n` placeholders and the parameters in order.
    public func rendered() -> (text: String, parameters: [String?]) {
        var text = ""
        var parameters: [String?] = []
        for piece in pieces {
            switch piece {
            case .text(let literal): text += literal
            case .parameter(let value):
                parameters.append(value)
                text += "$\(parameters.count)"
            }
        }
        return (text, parameters)
    }

    /// The statement text with placeholders, for logs; never the parameter values.
    public var description: String { rendered().text }

    /// Joins fragments with a separator, as in `WHERE` filters: `SQL.join(filters, separator: " AND ")`.
    public static func join(_ fragments: [SQL], separator: String) -> SQL {
        var pieces: [Piece] = []
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { pieces.append(.text(separator)) }
            pieces += fragment.pieces
        }
        return SQL(pieces: pieces)
    }

    init(pieces: [Piece]) {
        self.pieces = pieces
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
