import ArgumentParser
import Contracts
import Foundation

/// `psync workers`: running instances from their heartbeats (through the monitor).
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List running service instances from their heartbeats (asks psync-monitor).",
        discussion: "Example: psync workers --service psync-gateway --broker ZERODHA"
    )

    @Option(help: "Only this executable (psync-gateway …).") var service: String?
    @Option(help: "Only gateways of this broker.") var broker: String?
    @Flag(help: "Leave out instances whose heartbeat expired.") var aliveOnly = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await AdminSession.run(connection) { session in
            let workers = try await session.monitor.call(
                MonitorAPI.workers, ListWorkers(service: service, broker: broker?.uppercased(), includeLost: aliveOnly ? false : nil))
            try Console.emit(workers) { workers in
                var table = Table([
                    .init("SERVICE"), .init("BROKER"), .init("INSTANCE"), .init("HOST"), .init("PID", numeric: true), .init("STATE"),
                    .init("IN FLIGHT", numeric: true), .init("PROCESSED", numeric: true), .init("FAILED", numeric: true), .init("UP"),
                    .init("LAST SEEN"), .init("RPC"),
                ])
                for worker in workers {
                    let beat = worker.heartbeat
                    table.append([
                        beat.service, Format.text(beat.broker), beat.instanceID, beat.host, "\(beat.pid)", worker.state, "\(beat.inFlight)",
                        "\(beat.processed)", "\(beat.failed)", Format.duration(beat.lastSeen.timeIntervalSince(beat.startedAt)),
                        Format.distance(beat.lastSeen), Format.text(beat.rpcAddress),
                    ])
                }
                return table.render(empty: "no workers")
            }
        }
    }
}
