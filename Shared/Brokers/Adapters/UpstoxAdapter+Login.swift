import Contracts
import CurlClient
public import FoundationEssentials

/// Upstox's OAuth 2 authorization-code login and the daily end of its tokens.
extension UpstoxAdapter {
    /// The Authorize dialog (upstox.com/developer/api-documentation/authorize; SDK `login_api.py`
    /// `/v2/login/authorization/dialog`): `response_type=code`, the app's `client_id` and `redirect_uri`, and `state`,
    /// which Upstox hands back with the `code` on the redirect. It lives on the API host.
    public func loginURL(_ credentials: BrokerCredentials, state: String?) throws -> String {
        let clientID = try credentials.require("client_id")
        let redirect = try credentials.require("redirect_uri")
        var query = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect)]
        if let state { query.append(("state", state)) }
        let text = query.map { "\($0.0)=\(ParameterEncoder.escape($0.1))" }.joined(separator: "&")
        return try environment.baseURL(for: credentials) + "/v2/login/authorization/dialog?" + text
    }

    /// Exchanges the one-time `code` (upstox.com/developer/api-documentation/get-token: form-encoded `code`,
    /// `client_id`, `client_secret`, `redirect_uri`, `grant_type=authorization_code`) for an access token, stored in
    /// place of the old one with the `user_id` it belongs to (the account's rate-limit bucket).
    public func completeLogin(_ credentials: BrokerCredentials, code: String) async throws -> [String: String] {
        let form = [
            ("code", code), ("client_id", try credentials.require("client_id")),
            ("client_secret", try credentials.require("client_secret")), ("redirect_uri", try credentials.require("redirect_uri")),
            ("grant_type", "authorization_code"),
        ]
        let response = try await http.postForm(
            "/v2/login/authorization/token", form: form, headers: [("Api-Version", "2.0")], credentials: credentials)
        let token = try http.decode(Upstox.Token.self, from: response, what: "the token")
        var fields = credentials.fields
        fields["access_token"] = token.accessToken
        if let user = token.userId, !user.isEmpty {
            fields["user_id"] = user
        } else {
            fields["user_id"] = nil
        }
        return fields
    }

    /// An Upstox access token is valid "until 3:30 AM the following day, regardless of the time it was generated"; one
    /// made at 02:30 ends at 03:30 the same day (upstox.com/developer/api-documentation/get-token). Only credentials
    /// holding an `access_token` expire.
    public static func loginExpiry(of fields: [String: String], issuedAt: Date) -> Date? {
        guard fields["access_token"] != nil else { return nil }
        return nextIST(hour: 3, minute: 30, after: issuedAt)
    }

    /// The first `hour:minute` IST strictly after `date` (IST is UTC+05:30 all year).
    static func nextIST(hour: Int, minute: Int, after date: Date) -> Date {
        let ist = 19_800
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + ist
        let dayStart = local - ((local % 86_400) + 86_400) % 86_400
        var end = dayStart + hour * 3600 + minute * 60
        if end <= local { end += 86_400 }
        return Date(timeIntervalSince1970: Double(end - ist))
    }
}
