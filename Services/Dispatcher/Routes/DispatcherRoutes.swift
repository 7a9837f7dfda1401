import Contracts
import Hummingbird
import ServiceKit

/// The dispatcher's RPCs: start a run now (the CLI's `psync sync`), and follow one.
struct DispatcherRoutes: Sendable {
    let coordinator: RunCoordinator
    let deadlineSeconds: Int

    func register(on router: Router<ServiceRequestContext>) {
        router.on(DispatcherAPI.startRun) { request, context in
            let run = try await coordinator.start(
                CreateRun(
                    trigger: .manual, scope: request.scope, actions: request.actions, requestedBy: context.auditActor,
                    deadlineSeconds: request.deadlineSeconds ?? deadlineSeconds))
            return try await coordinator.progress(run.id).detail
        }
        router.on(DispatcherAPI.runProgress) { request, _ in try await coordinator.progress(request.id) }
    }
}
