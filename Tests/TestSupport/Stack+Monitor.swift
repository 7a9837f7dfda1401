import Contracts
public import CurlClient
import Foundation
public import RPC

/// Helpers for tests of psync-monitor: its typed client and raw HTTP requests with a token or a cookie.
extension Stack {
    /// A typed client for the monitor with `token` (admin by default).
    public func monitor(token: String = Stack.adminToken) throws -> RPCClient<CurlTransport> {
        try client("psync-monitor", token: token)
    }

    /// The monitor's address.
    public var monitorURL: String {
        get throws {
            guard let process = first("psync-monitor") else { throw HarnessError("psync-monitor is not running") }
            return process.baseURL
        }
    }

    /// One request to the monitor as a browser or a script makes it: no redirects followed.
    public func monitorRequest(
        _ method: String = "GET",
        _ path: String,
        token: String? = nil,
        cookie: String? = nil,
        form: [String: String]? = nil,
        headers: [(String, String)] = []
    ) async throws -> HTTPClientResponse {
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if let cookie { all.append(("Cookie", cookie)) }
        var body: [UInt8]?
        if let form {
            all.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(form.map { "\(Self.formEscape($0.key))=\(Self.formEscape($0.value))" }.joined(separator: "&").utf8)
        } else if method != "GET" {
            body = []
        }
        return try await http.execute(HTTPClientRequest(method: method, url: try monitorURL + path, headers: all, body: body))
    }

    /// Logs in through the form with `token`; returns the `psync_session=…` cookie and the page's CSRF token.
    public func monitorLogin(token: String) async throws -> (cookie: String, csrf: String) {
        let response = try await monitorRequest("POST", "/login", form: ["token": token, "next": "/"])
        guard response.status == 303, let setCookie = response.header("Set-Cookie"), let pair = setCookie.split(separator: ";").first else {
            throw HarnessError("login with the token failed: HTTP \(response.status) \(response.text.prefix(300))")
        }
        let cookie = String(pair)
        let page = try await monitorRequest("GET", "/", cookie: cookie)
        guard let range = page.text.range(of: "name=\"csrf\" value=\""), let end = page.text[range.upperBound...].firstIndex(of: "\"") else {
            throw HarnessError("the overview after login shows no CSRF token: HTTP \(page.status)")
        }
        return (cookie, String(page.text[range.upperBound..<end]))
    }

    static func formEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
