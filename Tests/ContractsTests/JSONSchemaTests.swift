import Contracts
import Foundation
import Testing

@Suite("JSON Schemas derived from the contract types")
struct JSONSchemaTests {
    struct Sample: Codable {
        enum Kind: String, Codable, CaseIterable { case cash, margin }
        var id: Int
        var name: String
        var note: String?
        var kind: Kind
        @DecimalString var price: Decimal
        @DecimalString var lastPrice: Decimal?
        var at: Date
        var tags: [String]
        var nested: Nested
        var meta: JSONValue
    }

    struct Nested: Codable {
        var flag: Bool
        var counts: [String: Int]
    }

    static func property(_ schema: JSONValue, _ name: String) -> JSONValue? {
        guard case .object(let fields) = schema, case .object(let properties)? = fields["properties"] else { return nil }
        return properties[name]
    }

    @Test("keys, requiredness, primitive kinds, enums, exact decimals, dates, arrays, nesting and free-form JSON")
    func sample() throws {
        let schema = JSONSchema.of(Sample.self)
        guard case .object(let fields) = schema, case .array(let required)? = fields["required"] else {
            Issue.record("no required list in \(schema)")
            return
        }
        #expect(
            Set(required) == ["id", "name", "kind", "price", "at", "tags", "nested", "meta"], "optional values and optional decimals may be left out")
        #expect(Self.property(schema, "id") == .object(["type": "integer"]))
        #expect(Self.property(schema, "name") == .object(["type": "string"]))
        #expect(Self.property(schema, "note") == .object(["anyOf": [.object(["type": "string"]), .object(["type": "null"])]]))
        #expect(Self.property(schema, "kind") == .object(["type": "string", "enum": ["cash", "margin"]]))
        #expect(Self.property(schema, "at") == .object(["type": "string", "format": "date-time"]))
        #expect(Self.property(schema, "tags") == .object(["type": "array", "items": .object(["type": "string"])]))
        #expect(Self.property(schema, "meta") == .object([:]))
        guard case .object(let price)? = Self.property(schema, "price"), case .object(let lastPrice)? = Self.property(schema, "lastPrice") else {
            Issue.record("decimals missing")
            return
        }
        #expect(price["type"] == "string" && price["pattern"] != nil)
        #expect(lastPrice["anyOf"] != nil, "an optional decimal may be null")
        let nested = try #require(Self.property(schema, "nested"))
        #expect(Self.property(nested, "flag") == .object(["type": "boolean"]))
        #expect(Self.property(nested, "counts") == .object(["type": "object", "additionalProperties": .bool(true)]))
    }

    @Test("every contract type yields an object or a typed schema, never a crash (the error envelope among them)")
    func contractTypes() throws {
        let envelope = JSONSchema.of(ErrorEnvelope.self)
        let error = try #require(Self.property(envelope, "error"))
        #expect(Self.property(error, "message") == .object(["type": "string"]))
        #expect(JSONSchema.of(JSONValue.self) == .object([:]))
        #expect(
            JSONSchema.of(Empty.self) == .object(["type": "object", "additionalProperties": .bool(true)]) || JSONSchema.of(Empty.self) == .object([:])
        )
    }
}
