import Contracts
import PostgresClient

/// Writes the brokers the adapters declare into `broker_types` at start: name and capabilities follow the code;
/// whether a broker is enabled stays the operator's choice.
enum BrokerCatalogue {
    static func sync(_ brokers: [BrokerType], on pool: PostgresPool) async throws {
        try await pool.withTransaction { connection in
            for broker in brokers {
                try connection.execute(
                    """
                    INSERT INTO broker_types (code, name, capabilities) VALUES (\(broker.code), \(broker.name), \(broker.capabilities.map(\.rawValue))::text[])
                    ON CONFLICT (code) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities
                    """
                )
            }
        }
    }
}
