import Logging
import ServiceLifecycle

/// Sweeps unfinished runs every interval (see `RunCoordinator.sweep`), so a run completes even
/// if the dispatcher that started it, or the events about it, are gone.
struct RunSweeper: Service {
    let coordinator: RunCoordinator
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await coordinator.sweep()
            } catch {
                logger.warning("sweeping unfinished runs failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
