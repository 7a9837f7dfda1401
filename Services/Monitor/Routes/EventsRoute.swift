import Contracts
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit
import ServiceLifecycle

/// `GET /events`: Server-Sent Events of everything on the events stream, for the pages' live updates.
///
/// A stream opened with a session cookie checks the session every `recheck` (without counting as use), and ends
/// as soon as the session does: a logout, the idle timeout, the absolute lifetime, or its token rotated.
struct EventsRoute {
    let feed: EventFeed
    let sessions: SessionStore
    let recheck: Duration

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/events") { _, context -> Response in
            try context.authorize(.readers)
            let session = CurrentSession.value
            let events = feed.subscribe()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("x-accel-buffering")!] = "no"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    let (output, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(512))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await event in events { sink.yield(event.wireText) }
                            sink.finish()
                        }
                        // A comment every 15 s keeps proxies from closing an idle stream and notices a browser that left.
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: .seconds(15))
                                sink.yield(": keep-alive\n\n")
                            }
                        }
                        if let session {
                            group.addTask {
                                while !Task.isCancelled {
                                    try await Task.sleep(for: recheck)
                                    let valid = try? await sessions.lookup(id: session.id, touch: false)
                                    if valid == nil { break }
                                }
                                sink.finish()
                            }
                        }
                        defer { group.cancelAll() }
                        try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
                        // On a graceful stop the stream ends at once (browsers reconnect), so it never holds the server up.
                        try await withGracefulShutdownHandler {
                            for await text in output {
                                try await writer.write(ByteBuffer(string: text))
                            }
                        } onGracefulShutdown: {
                            sink.finish()
                        }
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
