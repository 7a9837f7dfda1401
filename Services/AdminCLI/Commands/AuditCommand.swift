import ArgumentParser
import Contracts
import Foundation
import Scheduling

/// `psync audit`: who changed what, newest first.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit log, newest first, filtered by actor, action, object and time.",
        discussion: """
            Examples:
              psync audit --entity schedule --id 3
              psync audit --actor admin --action cancel --since "2026-12-01 09:00"
            """)
    @Option(help: "Only entries by this actor (admin also finds what services did for admin, e.g. monitor for admin).") var actor: String?
    @Option(help: "Only this action: create, update, pause, resume, run, cancel, reopen, discard …") var action: String?
    @Option(help: "Only this kind of object: schedule, run, job, account, user, queue, dead_letter …") var entity: String?
    @Option(help: "Only the object with this id (with --entity).") var id: String?
    @Option(help: "Entries at or after this time (ISO 8601, or a local time such as \"2026-12-01 09:00\").") var since: String?
    @Option(help: "Entries before this time.") var until: String?
    @Option(help: "At most this many.") var limit = 50
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let request = ListAudit(
            entity: entity, entityID: id, actor: actor, action: action,
            since: try since.map { try DeadLetterFilterOptions.time($0, option: "--since") },
            until: try until.map { try DeadLetterFilterOptions.time($0, option: "--until") })
        try await AdminSession.run(connection) { session in
            let page = try await Paging.collect(limit: limit) { cursor, size in
                var paged = request
                paged.cursor = cursor
                paged.limit = size
                return try await session.persistence.call(PersistenceAPI.listAudit, paged)
            }
            try Console.emit(page) { page in
                var table = Table([
                    .init("ID", numeric: true), .init("AT"), .init("ACTOR"), .init("ACTION"), .init("ENTITY"), .init("OBJECT"), .init("REQUEST"),
                ])
                for entry in page.items {
                    table.append([
                        "\(entry.id)", Format.time(entry.at), entry.actor, entry.action, entry.entity, entry.entityID ?? "-", entry.requestID ?? "-",
                    ])
                }
                return table.render(empty: "no entries") + Paging.footer(page)
            }
        }
    }
}
