import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

@Suite("Persistence endpoints the monitor uses")
struct MonitorPersistenceTests {
    @Test("reopen, statistics and audit refuse bad input with a 4xx naming the field, and need the right token")
    func validation() async throws {
        let stack = try await Stack.start()
        let persistence = try stack.persistence(as: Principal(.monitor))
        for (request, field) in [(ReopenJobs(jobIDs: []), "jobIDs"), (ReopenJobs(jobIDs: Array(1...1001)), "jobIDs")] {
            let error = await #expect(throws: RPCError.self) { try await persistence.call(PersistenceAPI.reopenJobs, request) }
            #expect(error?.status == 422 && error?.message.contains(field) == true)
        }
        let missing = try await persistence.call(PersistenceAPI.reopenJobs, ReopenJobs(jobIDs: [42]))
        #expect(missing.jobs.isEmpty && missing.refused == ["42": "job 42 does not exist"])
        for minutes in [0, 1441] {
            let error = await #expect(throws: RPCError.self) {
                try await persistence.call(PersistenceAPI.jobStatistics, JobStatisticsRequest(minutes: minutes))
            }
            #expect(error?.status == 422 && error?.message.contains("minutes") == true)
        }
        let statistics = try await persistence.call(PersistenceAPI.jobStatistics, JobStatisticsRequest(minutes: 5))
        #expect(statistics.throughput.count == 5 && statistics.jobs.isEmpty && statistics.runOutcomes == ["succeeded": 0, "failed": 0])
        let bad = await #expect(throws: RPCError.self) {
            try await persistence.call(PersistenceAPI.recordAudit, RecordAudit(action: "", entity: "queue"))
        }
        #expect(bad?.status == 422)
        let entry = try await persistence.call(PersistenceAPI.recordAudit, RecordAudit(action: "pause", entity: "queue", entityID: "SANDBOX"))
        #expect(entry.action == "pause" && entry.entityID == "SANDBOX" && entry.scope == "monitor" && entry.actor == "monitor")
        let reader = try stack.client("psync-persistence", token: Stack.readToken)
        let refused = await #expect(throws: RPCError.self) { try await reader.call(PersistenceAPI.reopenJobs, ReopenJobs(jobIDs: [1])) }
        #expect(refused?.status == 403)
        await stack.stop()
    }
}
