import Contracts
import CurlClient
import Foundation
import RPC
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium`, installed by `make deps`) loads the dashboard of a stack that ran a real sync.
///
/// Chromium's command line cannot send a header or set a cookie, so the test asks the monitor's admin API for a
/// single-use login link (`POST /api/v1/login-tickets`, good once within a minute); the browser follows it, gets its
/// session cookie, and lands on the overview.
@Suite("Monitor in a browser")
struct MonitorBrowserTests {
    @Test("headless Chromium renders the overview: workers listed, the run finished, counts right, times localised; a screenshot is saved")
    func overviewInChromium() async throws {
        let chromium = try Self.chromiumPath()
        let (stack, detail) = try await MonitorRouteTests.syncedStack(accounts: 3)
        let base = try stack.monitorURL
        let monitor = try stack.monitor()

        let dom = try await Self.chromium(chromium, ["--dump-dom", base + (try await monitor.call(MonitorAPI.createLoginTicket)).path])
        #expect(dom.contains("<h1>Overview</h1>"), "\(dom.prefix(800))")
        #expect(dom.contains("data-alive=\"psync-gateway/SANDBOX\">1<"))
        #expect(dom.contains("psync-dispatcher") && dom.contains("psync-persistence") && dom.contains("psync-monitor"))
        #expect(dom.contains("<span data-run-status=\"\(detail.run.id)\"><span class=\"badge ok\">finished</span>"))
        #expect(dom.contains("data-progress=\"\(detail.run.id)\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"3\" aria-valuenow=\"3\""))
        #expect(dom.contains("id=\"jobs-succeeded-hour\">3<") && dom.contains("id=\"jobs-failed-hour\">0<"))
        #expect(dom.contains("id=\"dead-letters\">0<") && dom.contains("id=\"reauth-accounts\">0<") && dom.contains("id=\"workers-alive\">"))
        #expect(dom.contains("action=\"/logout\"") && dom.contains(">admin<"))
        // The script rewrote every time to the viewer's zone, keeping the UTC text as its title.
        #expect(dom.contains("<time datetime=\"20") && dom.contains(" UTC\">"), "times were not localised")

        // A ticket is good once.
        let ticket = try await monitor.call(MonitorAPI.createLoginTicket)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 303)
        #expect(try await stack.monitorRequest("GET", ticket.path).status == 401)

        let folder = Self.outputFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let screenshot = folder + "/monitor-overview.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        _ = try await Self.chromium(
            chromium, ["--screenshot=\(screenshot)", "--window-size=1400,1100", base + (try await monitor.call(MonitorAPI.createLoginTicket)).path])
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
        #expect(size > 10_000, "screenshot at \(screenshot) has \(size) bytes")
        await stack.stop()
    }

    /// `.build/test-output` of this package.
    static func outputFolder() -> String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.path + "/.build/test-output"
    }

    static func chromiumPath() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw HarnessError("chromium is not installed: run `make deps` (it installs Debian's chromium package)")
    }

    /// Runs headless Chromium with `arguments`; its standard output.
    static func chromium(_ path: String, _ arguments: [String]) async throws -> String {
        let profile = try TemporaryDirectory.make(prefix: "chromium")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=\(profile)",
            ] + arguments
        // Into a file, not a pipe: a page larger than the pipe's buffer would block Chromium until we read.
        let outputPath = profile + "/stdout.html"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = ContinuousClock.now + .seconds(45)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw HarnessError("chromium did not finish within 45 s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
