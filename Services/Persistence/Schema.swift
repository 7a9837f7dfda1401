import PostgresClient

/// The schema's migrations, compiled into the binary from `Migrations/*.sql`.
enum Schema {
    /// Every migration, in order. A new file in Migrations/ needs a line here (a test checks they match).
    static let migrations: [Migration] = [
        migration("0001_core.sql", PackageResources._001_core_sql),
        migration("0002_snapshots.sql", PackageResources._002_snapshots_sql),
        migration("0003_runs.sql", PackageResources._003_runs_sql),
        migration("0004_monitor.sql", PackageResources._004_monitor_sql),
        migration("0005_held_quantities.sql", PackageResources._005_held_quantities_sql),
        migration("0006_broker_capabilities.sql", PackageResources._006_broker_capabilities_sql),
        migration("0007_holdings_rows_follow_snapshots.sql", PackageResources._007_holdings_rows_follow_snapshots_sql),
        migration("0008_holdings_meta_as_sent.sql", PackageResources._008_holdings_meta_as_sent_sql),
        migration("0009_console_operations.sql", PackageResources._009_console_operations_sql),
        migration("0010_overview_at_scale.sql", PackageResources._010_overview_at_scale_sql),
        migration("0011_change_feed.sql", PackageResources._011_change_feed_sql),
    ]

    private static func migration(_ fileName: String, _ bytes: [UInt8]) -> Migration {
        // The file names are fixed above, so parsing them cannot fail.
        try! Migration(fileName: fileName, sql: String(decoding: bytes, as: UTF8.self))
    }
}
