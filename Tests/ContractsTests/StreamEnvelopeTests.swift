import Contracts
import Foundation
import Testing

@Suite("Stream entries: the envelope and the holdings table beside the body")
struct StreamEnvelopeTests {
    static let result = JobResult(
        jobID: 7, runID: 3, accountID: 11, portfolioID: 2, brokerCode: "ZERODHA", action: .holdings, attempt: 1, worker: "gw-1",
        startedAt: ISO8601.parse("2026-12-03T09:00:00.125Z")!, finishedAt: ISO8601.parse("2026-12-03T09:00:00.300Z")!, outcome: .succeeded,
        snapshot: HoldingsSnapshot(
            sourceSnapshotID: "kite-1", asOf: ISO8601.parse("2026-12-03T09:00:00Z")!,
            holdings: [
                Holding(
                    symbol: "TAB\tSYMBOL\\", exchange: "NSE", isin: "INE002A01018", assetType: .stock, quantity: 16, averagePrice: 801.5,
                    lastPrice: 762.45, currency: "INR", split: HeldQuantity(free: 10, unsettled: 2, pledged: 4),
                    meta: RawJSON(text: #"{"note":"a \"quoted\"\tvalue"}"#)),
                Holding(symbol: "SBIN", exchange: "BSE", isin: nil, assetType: .stock, quantity: 1, averagePrice: 2, lastPrice: nil, currency: "INR"),
            ],
            notes: [SnapshotNote(kind: .partUnavailable, message: "mutual-fund holdings unavailable")]
        )
    )

    static func dictionary(_ fields: [(String, [UInt8])]) -> [String: [UInt8]] {
        Dictionary(fields, uniquingKeysWith: { _, last in last })
    }

    @Test("a result's holdings travel as their own table field, not escaped inside the JSON body, and come back equal")
    func tableApart() throws {
        let fields = try StreamEnvelope.fields(Self.result, requestID: "req-1")
        #expect(fields.map { $0.0 } == ["type", "v", "body", "table", "rid"])
        let entry = Self.dictionary(fields)
        #expect(String(decoding: entry["v"]!, as: UTF8.self) == "2")
        let body = String(decoding: entry["body"]!, as: UTF8.self)
        #expect(!body.contains(#""holdings":"#) && !body.contains("SBIN"), "the body still carries the table: \(body)")
        #expect(entry["table"] == HoldingsTable.encode(Self.result.snapshot!.holdings))
        let (decoded, requestID) = try StreamEnvelope.decode(JobResult.self, from: entry)
        #expect(decoded == Self.result)
        #expect(requestID == "req-1")
    }

    @Test("a version 1 entry (the table inside the body) written before an upgrade is still read")
    func versionOne() throws {
        let entry: [String: [UInt8]] = ["type": Array("job.result".utf8), "v": Array("1".utf8), "body": try JSONCoding.encode(Self.result)]
        #expect(try StreamEnvelope.decode(JobResult.self, from: entry).0 == Self.result)
    }

    @Test("a missing, stray or malformed table is refused with a reason a person can act on")
    func refusals() throws {
        var entry = Self.dictionary(try StreamEnvelope.fields(Self.result))
        func reason(_ entry: [String: [UInt8]]) -> String? {
            do {
                _ = try StreamEnvelope.decode(JobResult.self, from: entry)
                return nil
            } catch {
                return "\(error)"
            }
        }
        var withoutTable = entry
        withoutTable["table"] = nil
        #expect(reason(withoutTable)?.contains("holdings") == true)
        var failed = Self.result
        failed.snapshot = nil
        failed.outcome = JobOutcome.failed
        failed.error = "nope"
        var stray = Self.dictionary(try StreamEnvelope.fields(failed))
        stray["table"] = Array("x\n".utf8)
        #expect(reason(stray) == "the 'job.result' entry has a 'table' field but no snapshot")
        entry["table"] = Array("A\tNSE\n".utf8)
        #expect(reason(entry) == "the 'job.result' table is malformed: line 1 has 2 fields, expected 16")
        entry["v"] = Array("3".utf8)
        #expect(reason(entry) == "version 3 of 'job.result' is not supported; this consumer reads versions 1 to 2")
        var job = Self.dictionary(
            try StreamEnvelope.fields(
                JobMessage(jobID: 1, runID: nil, accountID: 1, portfolioID: 1, brokerCode: "X", action: .holdings, attempt: 1, queuedAt: Date())))
        job["table"] = Array("x".utf8)
        #expect(throws: StreamDecodingError("a 'job' entry carries no 'table' field")) { try StreamEnvelope.decode(JobMessage.self, from: job) }
    }
}
