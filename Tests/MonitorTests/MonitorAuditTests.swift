import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Monitor: the audit log page")
struct MonitorAuditTests {
    @Test("admin and read-only viewers see the audit log, filtered by actor, action, object and time, paged; bad times are a 400")
    func auditPage() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-monitor")
        let monitor = try stack.monitor()
        for broker in ["SANDBOX", "ZERODHA"] {
            _ = try await monitor.call(MonitorAPI.pauseQueue, BrokerQueue(broker: broker))
            _ = try await monitor.call(MonitorAPI.resumeQueue, BrokerQueue(broker: broker))
        }
        _ = try await stack.admin.call(PersistenceAPI.createUser, CreateUser(email: "a@example.com", name: "A"))

        // Persistence lets readers list it, filtered in Postgres: "admin" also finds what the monitor did for admin.
        let reader = try stack.client("psync-persistence", token: Stack.readToken)
        #expect(try await reader.call(PersistenceAPI.listAudit, ListAudit(actor: "admin")).items.count == 5)
        #expect(try await reader.call(PersistenceAPI.listAudit, ListAudit(actor: "monitor for admin", action: "pause")).items.count == 2)
        let one = try await reader.call(PersistenceAPI.listAudit, ListAudit(entity: "queue", limit: 1))
        let next = try await reader.call(PersistenceAPI.listAudit, ListAudit(entity: "queue", cursor: one.nextCursor, limit: 10))
        #expect(one.items.count == 1 && next.items.count == 3 && next.items.allSatisfy { $0.id < one.items[0].id })
        let future = Date().addingTimeInterval(3600)
        #expect(try await reader.call(PersistenceAPI.listAudit, ListAudit(since: future)).items.isEmpty)
        #expect(try await reader.call(PersistenceAPI.listAudit, ListAudit(until: future)).items.count == 5)

        for token in [Stack.adminToken, Stack.readToken] {
            let session = try await stack.monitorLogin(token: token)
            let page = try await stack.monitorRequest("GET", "/audit", cookie: session.cookie)
            #expect(
                page.status == 200 && page.text.contains("id=\"audit-filters\"") && page.text.components(separatedBy: "data-audit=\"").count - 1 == 5)
            let paused = try await stack.monitorRequest("GET", "/audit?actor=admin&action=pause&entity=queue&id=SANDBOX", cookie: session.cookie)
            #expect(paused.text.components(separatedBy: "data-audit-action=").count - 1 == 1 && paused.text.contains(">monitor for admin</span>"))
            #expect(paused.text.contains("value=\"SANDBOX\""), "the filter is kept in the form")
            let since = try await stack.monitorRequest("GET", "/audit?since=2099-01-01+00:00", cookie: session.cookie)
            #expect(since.status == 200 && since.text.contains("no entries match"))
            #expect(try await stack.monitorRequest("GET", "/audit?since=yesterday", cookie: session.cookie).status == 400)
            #expect(
                try await stack.monitorRequest("GET", "/audit?since=2026-12-02+00:00&until=2026-12-01+00:00", cookie: session.cookie).status == 422)
        }
        await stack.stop()
    }
}
