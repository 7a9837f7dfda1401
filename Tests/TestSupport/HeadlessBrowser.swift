import Foundation
import Synchronization

/// Headless Chromium (Debian's `chromium`, installed by `make deps`) driven over the Chrome DevTools Protocol, so a test
/// can do what a person does: open a page, type into a form, press its button, follow the redirect, read the page and
/// take a screenshot.
///
/// The protocol runs over `--remote-debugging-pipe`: Chromium reads commands from its descriptor 3 and writes answers and
/// events to descriptor 4, each a JSON object ended by a NUL byte (no WebSocket, no port). One page target, attached
/// with `flatten`, so every command carries its `sessionId`. Reading happens on a thread of its own, never on the
/// cooperative pool; `window.confirm` dialogs are accepted as a person who means it would.
public final class HeadlessBrowser: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is inside `state` (a Mutex); the descriptors are written under `writeLock`.
    private let process: pid_t
    private let commands: Int32
    private let answers: Int32
    private let profile: String
    private let writeLock = Mutex<Void>(())
    private let state = Mutex(State())
    private var session = ""

    private struct State {
        var nextID = 1
        var pending: [Int: CheckedContinuation<Data, any Error>] = [:]
        /// Pages loaded so far (`Page.loadEventFired`).
        var loads = 0
        var closed = false
    }

    /// Starts Chromium with an empty profile and opens one blank page `width`×`height` pixels.
    public static func launch(width: Int = 1400, height: Int = 1000) async throws -> HeadlessBrowser {
        let browser = try HeadlessBrowser(executable: try chromiumPath())
        let target = try await browser.send("Target.createTarget", ["url": "about:blank"], inSession: false)
        guard let targetID = target["targetId"] as? String else { throw HarnessError("Chromium created no page: \(target)") }
        let attached = try await browser.send("Target.attachToTarget", ["targetId": targetID, "flatten": true], inSession: false)
        guard let session = attached["sessionId"] as? String else { throw HarnessError("Chromium did not attach to the page: \(attached)") }
        browser.session = session
        _ = try await browser.send("Page.enable")
        _ = try await browser.send("Runtime.enable")
        _ = try await browser.send(
            "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
        return browser
    }

    /// Debian's chromium, or an error saying how to get it.
    public static func chromiumPath() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw HarnessError("chromium is not installed: run `make deps` (it installs Debian's chromium package)")
    }

    private init(executable: String) throws {
        profile = try TemporaryDirectory.make(prefix: "chromium")
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw HarnessError("cannot make pipes for Chromium") }
        // Our ends must not leak into other children the test run starts (a leaked write end would keep Chromium's input open).
        for fd in [toBrowser[1], fromBrowser[0]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        commands = toBrowser[1]
        answers = fromBrowser[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Above 4 first, so the two dup2s below cannot overwrite each other whatever numbers pipe2 chose.
        let read = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 100)
        let write = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 100)
        Foundation.close(toBrowser[0])
        Foundation.close(fromBrowser[1])
        defer {
            Foundation.close(read)
            Foundation.close(write)
        }
        posix_spawn_file_actions_adddup2(&actions, read, 3)
        posix_spawn_file_actions_adddup2(&actions, write, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        // bash closes every other descriptor above 4 the test process left open without CLOEXEC, then becomes Chromium.
        let trampoline = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 4 ] && eval "exec $fd>&-"; done; exec "$@""#
        let arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
            "--disable-extensions", "--remote-debugging-pipe", "--user-data-dir=\(profile)", "about:blank",
        ]
        let argv = (["/bin/bash", "-c", trampoline, "bash", executable] + arguments).map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = profile
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, envp)
        guard result == 0 else { throw HarnessError("cannot start Chromium: \(String(cString: strerror(result)))") }
        process = pid
        ChildRegistry.shared.add(pid)
        let thread = Thread { [self] in readLoop() }
        thread.name = "chromium-cdp"
        thread.start()
    }

    deinit { close() }

    /// Ends Chromium and removes its profile.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        kill(process, SIGKILL)
        var status: Int32 = 0
        waitpid(process, &status, 0)
        ChildRegistry.shared.remove(process)
        Foundation.close(commands)
        fail(HarnessError("the browser was closed"))
        try? FileManager.default.removeItem(atPath: profile)
    }

    // MARK: What a person does

    /// Goes to `url` and waits for the page to load.
    public func open(_ url: String) async throws {
        try await whileLoading { _ = try await self.send("Page.navigate", ["url": url]) }
    }

    /// The page's address now.
    public func url() async throws -> String {
        try await evaluate("location.href") as? String ?? ""
    }

    /// The document as it stands (after scripts ran), `<html>…</html>`.
    public func html() async throws -> String {
        try await evaluate("document.documentElement.outerHTML") as? String ?? ""
    }

    /// Types `value` into the field `selector` (an input, a textarea, or a select's option value).
    public func fill(_ selector: String, _ value: String) async throws {
        let found = try await evaluate(
            """
            (function(){var e=document.querySelector(\(Self.literal(selector)));if(!e)return false;e.focus();e.value=\(Self.literal(value));
            e.dispatchEvent(new Event('input',{bubbles:true}));e.dispatchEvent(new Event('change',{bubbles:true}));return true;})()
            """)
        guard found as? Bool == true else { throw HarnessError("no field matches \(selector) on \(try await url())") }
    }

    /// Ticks or unticks the checkbox `selector`.
    public func check(_ selector: String, _ checked: Bool = true) async throws {
        let found = try await evaluate(
            "(function(){var e=document.querySelector(\(Self.literal(selector)));if(!e)return false;e.checked=\(checked);return true;})()")
        guard found as? Bool == true else { throw HarnessError("no checkbox matches \(selector) on \(try await url())") }
    }

    /// Clicks `selector` (a submit button, a link) and waits for the page it leads to.
    public func click(_ selector: String) async throws {
        let here = try await url()
        try await whileLoading {
            let found = try await self.evaluate(
                "(function(){var e=document.querySelector(\(Self.literal(selector)));if(!e)return false;e.click();return true;})()")
            guard found as? Bool == true else { throw HarnessError("nothing to click matches \(selector) on \(here)") }
        }
    }

    /// Whether something on the page matches `selector`.
    public func exists(_ selector: String) async throws -> Bool {
        try await evaluate("document.querySelector(\(Self.literal(selector)))!==null") as? Bool ?? false
    }

    /// The text of the first element matching `selector`, trimmed; nil when none does.
    public func text(_ selector: String) async throws -> String? {
        try await evaluate("(function(){var e=document.querySelector(\(Self.literal(selector)));return e?e.textContent.trim():null;})()") as? String
    }

    /// Saves what the page looks like now as a PNG (the whole page, not only the window); returns its size in bytes.
    @discardableResult
    public func screenshot(to path: String) async throws -> Int {
        let shot = try await send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let base64 = shot["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw HarnessError("Chromium returned no screenshot")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        return data.count
    }

    /// Runs `expression` in the page; its value (strings, numbers, booleans, arrays and objects of them).
    public func evaluate(_ expression: String) async throws -> Any? {
        let result = try await send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            let text = (exception["exception"] as? [String: Any])?["description"] as? String ?? "\(exception)"
            throw HarnessError("the page's script failed: \(text)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Runs `action`, which starts a navigation, and waits until the next page has loaded (at most 20 s).
    private func whileLoading(_ action: () async throws -> Void) async throws {
        let before = state.withLock { $0.loads }
        try await action()
        try await eventually(timeout: .seconds(20), every: .milliseconds(20), "the next page to load") {
            try state.withLock { state in
                if state.closed { throw HarnessError("Chromium exited") }
                return state.loads > before
            }
        }
    }

    // MARK: The protocol

    /// Sends one command and waits for its answer's `result`.
    @discardableResult
    func send(_ method: String, _ parameters: [String: Any] = [:], inSession: Bool = true) async throws -> [String: Any] {
        let data = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let id = state.withLock { state -> Int? in
                guard !state.closed else { return nil }
                defer { state.nextID += 1 }
                state.pending[state.nextID] = continuation
                return state.nextID
            }
            guard let id else { return continuation.resume(throwing: HarnessError("the browser was closed")) }
            var message: [String: Any] = ["id": id, "method": method, "params": parameters]
            if inSession { message["sessionId"] = session }
            do {
                var bytes = try JSONSerialization.data(withJSONObject: message)
                bytes.append(0)
                try write(bytes)
            } catch {
                if let waiting = state.withLock({ $0.pending.removeValue(forKey: id) }) { waiting.resume(throwing: error) }
            }
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw HarnessError("Chromium sent no object") }
        if let error = object["error"] as? [String: Any] {
            throw HarnessError("Chromium refused \(method): \(error["message"] as? String ?? "\(error)")")
        }
        return object["result"] as? [String: Any] ?? [:]
    }

    private func write(_ bytes: Data) throws {
        try writeLock.withLock { _ in
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(commands, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw HarnessError("cannot write to Chromium: \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
            }
        }
    }

    /// Reads NUL-ended messages until Chromium closes its end: answers go to their callers, events to their waiters.
    private func readLoop() {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(answers, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
            while let end = buffer.firstIndex(of: 0) {
                let message = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                dispatch(Data(message))
            }
        }
        Foundation.close(answers)
        fail(HarnessError("Chromium exited"))
    }

    private func dispatch(_ message: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any] else { return }
        if let id = object["id"] as? Int {
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: message)
            return
        }
        guard let method = object["method"] as? String else { return }
        if method == "Page.javascriptDialogOpening" {
            // A confirmation a person would accept; answered from another task, as this thread must keep reading.
            Task { _ = try? await self.send("Page.handleJavaScriptDialog", ["accept": true]) }
            return
        }
        if method == "Page.loadEventFired" { state.withLock { $0.loads += 1 } }
    }

    private func fail(_ error: HarnessError) {
        let pending = state.withLock { state in
            defer {
                state.pending = [:]
                state.closed = true
            }
            return Array(state.pending.values)
        }
        pending.forEach { $0.resume(throwing: error) }
    }

    /// `text` as a JavaScript string literal.
    static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
