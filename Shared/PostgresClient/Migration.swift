import FoundationEssentials

/// One schema change: an ordered, named SQL script applied at most once.
public struct Migration: Sendable, Equatable {
    /// Position in the order; migrations apply in ascending version.
    public var version: Int
    /// A short name, from the file name after the version.
    public var name: String
    /// The SQL script.
    public var sql: String

    /// A migration from its parts.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a of the script, recorded so an edit to an applied migration is caught.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses `0007_add_schedules.sql` into version 7, name `add_schedules`.
    public init(fileName: String, sql: String) throws {
        guard fileName.hasSuffix(".sql") else { throw PostgresError(.migration, "\(fileName) is not a .sql file") }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
            throw PostgresError(.migration, "\(fileName) must be named NNNN_name.sql")
        }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// Reads every `NNNN_name.sql` file in `directory`, ordered by version.
    public static func load(directory: String) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        let migrations = try names.map { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw PostgresError(.migration, "cannot read \(name)")
            }
            return try Migration(fileName: name, sql: String(decoding: data, as: UTF8.self))
        }
        return try ordered(migrations)
    }

    /// Sorts by version and refuses two migrations with one version.
    public static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresError(.migration, "migrations \(previous.name) and \(next.name) share version \(next.version)")
        }
        return sorted
    }
}
