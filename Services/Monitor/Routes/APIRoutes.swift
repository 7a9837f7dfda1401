import Contracts
import Hummingbird
import ServiceKit

/// The JSON API (`MonitorAPI`): the same data as the pages, and the same actions.
struct APIRoutes {
    let data: MonitorData
    let actions: MonitorActions
    let sessions: SessionStore

    func register(on router: Router<ServiceRequestContext>) {
        router.on(MonitorAPI.overview) { _, _ in try await data.overview() }
        router.on(MonitorAPI.workers) { request, _ in try await data.workers.list(request) }
        router.on(MonitorAPI.queues) { _, _ in try await data.queues.all(extraBrokers: try await aliveBrokers()) }
        router.on(MonitorAPI.pauseQueue) { request, _ in try await actions.setPaused(true, broker: request.broker) }
        router.on(MonitorAPI.resumeQueue) { request, _ in try await actions.setPaused(false, broker: request.broker) }
        router.on(MonitorAPI.deadLetters) { request, _ in try await data.deadLetters(request) }
        router.on(MonitorAPI.deadLetter) { request, _ in try await data.deadLetter(request.id) }
        router.on(MonitorAPI.retryDeadLetter) { request, _ in try await actions.retry(request.id) }
        router.on(MonitorAPI.retryAllDeadLetters) { _, _ in try await actions.retryAll() }
        router.on(MonitorAPI.runs) { request, _ in try await data.runs(request) }
        router.on(MonitorAPI.run) { request, _ in try await data.run(request.id) }
        router.on(MonitorAPI.jobs) { request, _ in try await data.jobs(request) }
        router.on(MonitorAPI.job) { request, _ in try await data.job(request.id) }
        router.on(MonitorAPI.reauthAccounts) { _, _ in try await data.reauthAccounts() }
        router.on(MonitorAPI.createLoginTicket) { _, _ in
            let ticket = try await sessions.createTicket(scope: .admin)
            return LoginTicket(path: "/login?ticket=\(ticket)", expiresInSeconds: Int(SessionStore.ticketTTL.components.seconds))
        }
    }

    private func aliveBrokers() async throws -> [String] {
        try await data.workers.list(ListWorkers(includeLost: false)).compactMap(\.heartbeat.broker)
    }
}
