import Brokers
import Contracts
import Cryptography
import FoundationEssentials
import Hummingbird
import Logging
import RPC
import ServiceKit

/// The gateway's RPCs: seal credentials, verify them, sync one account now, Kite's daily login,
/// key rotation, and statement import for brokers without an API.
struct GatewayRoutes: Sendable {
    let broker: String
    let adapter: any BrokerAdapter
    let vault: CredentialVault
    let credentials: CredentialCache
    let persistence: RPCClient<CurlTransport>
    let logger: Logger

    func register(on router: Router<ServiceRequestContext>) {
        router.on(GatewayAPI.putCredentials) { request, _ in try await putCredentials(request) }
        router.on(GatewayAPI.verifyCredentials) { request, _ in try await verify(request.id) }
        router.on(GatewayAPI.syncNow) { request, _ in try await syncNow(request) }
        router.on(GatewayAPI.kiteLoginURL) { request, _ in try await kiteLoginURL(request.id) }
        router.on(GatewayAPI.completeKiteLogin) { request, _ in try await completeKiteLogin(request) }
        router.on(GatewayAPI.rotateKeys) { _, _ in try await rotateKeys() }
        router.on(GatewayAPI.importStatement) { request, _ in try await importStatement(request) }
    }

    /// The account, checked to belong to this gateway's broker.
    private func account(_ id: Int) async throws -> BrokerAccount {
        let account = try await persistence.callForwardingErrors(PersistenceAPI.getAccount, ByID(id: id))
        guard account.brokerCode == broker else {
            throw APIError.unprocessable("account \(id) is a \(account.brokerCode) account; this gateway serves \(broker)", field: "id")
        }
        return account
    }

    private func opened(_ account: BrokerAccount, checkingExpiry: Bool = false) async throws -> BrokerCredentials {
        guard let box = try await persistence.callOptional(PersistenceAPI.getCredentials, ByID(id: account.id)) else {
            throw APIError.unprocessable("account \(account.id) has no credentials; set them with `psync credentials set \(account.id)`", field: "id")
        }
        if checkingExpiry, let expired = LoginExpiry.failure(of: box, broker: broker, now: Date()) {
            throw APIError(status: 502, code: "broker_auth", message: expired.message + loginHint(account))
        }
        do {
            return try vault.open(box, rateLimitKey: account.apiKeyID.map { "id-\($0)" })
        } catch let error as BrokerError {
            throw APIError.unprocessable(error.message, field: "id")
        }
    }

    private func putCredentials(_ request: PutCredentials) async throws -> CredentialsSealed {
        let account = try await account(request.id)
        let missing = BrokerRegistry.requiredCredentialFields(for: broker).filter { (request.credentials[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw APIError.unprocessable("\(broker) credentials need \(missing.map { "'\($0)'" }.joined(separator: ", "))", field: "credentials")
        }
        guard request.credentials.count <= 20, request.credentials.allSatisfy({ $0.key.count <= 64 && $0.value.utf8.count <= 4096 }) else {
            throw APIError.unprocessable("credentials must be at most 20 fields of at most 4 KiB each", field: "credentials")
        }
        if let name = Self.fieldBreakingHeaders(request.credentials) {
            throw APIError.unprocessable(
                "credentials field '\(name.prefix(64))' contains a CR, LF or NUL, which cannot be sent in a header", field: "credentials")
        }
        return try await store(request.credentials, for: account)
    }

    private func store(_ fields: [String: String], for account: BrokerAccount) async throws -> CredentialsSealed {
        let box = try vault.seal(fields, accountID: account.id)
        let issuedAt = Date()
        let expiresAt = type(of: adapter).loginExpiry(of: fields, issuedAt: issuedAt)
        _ = try await persistence.callForwardingErrors(
            PersistenceAPI.storeCredentials,
            StoreCredentials(
                id: account.id, keyID: box.keyID, sealedBox: box.base64, renewsLogin: true, issuedAt: expiresAt == nil ? nil : issuedAt,
                expiresAt: expiresAt)
        )
        credentials.forget(account.id)
        logger.info("credentials sealed", metadata: ["account.id": "\(account.id)", "key.id": "\(box.keyID)"])
        return CredentialsSealed(accountID: account.id, keyID: box.keyID, fields: fields.keys.sorted())
    }

    private func verify(_ id: Int) async throws -> CredentialsVerified {
        let account = try await account(id)
        let credentials = try await opened(account)
        do {
            let profile = try await adapter.verify(credentials)
            return CredentialsVerified(accountID: id, valid: true, failureKind: nil, message: nil, profile: profile)
        } catch let error as BrokerError {
            return CredentialsVerified(accountID: id, valid: false, failureKind: error.kind, message: error.message, profile: nil)
        }
    }

    private func syncNow(_ request: SyncNow) async throws -> SyncNowResult {
        let account = try await account(request.id)
        let credentials = try await opened(account, checkingExpiry: true)
        var result = SyncNowResult(accountID: account.id, snapshot: nil, holdings: 0, transactions: 0)
        for action in request.actions ?? [.holdings] {
            let fetched: FetchResult
            do {
                fetched = try await adapter.fetch(action, credentials, cursor: nil)
            } catch let error as BrokerError {
                throw APIError(
                    status: 502, code: "broker_\(error.kind.rawValue)", message: error.message + (error.kind == .auth ? loginHint(account) : ""))
            }
            switch fetched {
            case .snapshot(let snapshot):
                if action == .holdings {
                    result.snapshot = try await persistence.callForwardingErrors(
                        PersistenceAPI.storeSnapshot, StoreSnapshot(id: account.id, snapshot: snapshot))
                }
                result.holdings += snapshot.holdings.count
            case .transactions(let batch):
                result.transactions += try await persistence.callForwardingErrors(
                    PersistenceAPI.storeTransactions, StoreTransactions(id: account.id, batch: batch)
                ).stored
            }
        }
        return result
    }

    /// How a person renews the login of `account`.
    private func loginHint(_ account: BrokerAccount) -> String {
        broker == "ZERODHA"
            ? "; log in again with `psync kite login \(account.id)`" : "; set new credentials with `psync credentials set \(account.id)`"
    }

    private func kite() throws -> ZerodhaAdapter {
        guard let kite = adapter as? ZerodhaAdapter else {
            throw APIError.unprocessable("the Kite login is for ZERODHA accounts; this gateway serves \(broker)", field: "id")
        }
        return kite
    }

    private func kiteLoginURL(_ id: Int) async throws -> KiteLoginURL {
        let kite = try kite()
        let credentials = try await opened(try await account(id))
        guard let apiKey = credentials.fields["api_key"] else {
            throw APIError.unprocessable("account \(id)'s credentials have no api_key", field: "id")
        }
        return KiteLoginURL(accountID: id, url: kite.loginURL(apiKey: apiKey))
    }

    private func completeKiteLogin(_ request: CompleteKiteLogin) async throws -> CredentialsSealed {
        let kite = try kite()
        let token = request.requestToken
        guard !token.isEmpty, token.count <= 128, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw APIError.unprocessable("requestToken must be the letters and digits Kite put in the redirect URL", field: "requestToken")
        }
        let account = try await account(request.id)
        let credentials = try await opened(account)
        guard credentials.fields["api_secret"] != nil else {
            throw APIError.unprocessable(
                "the Kite login needs 'api_secret' in account \(account.id)'s credentials; set it with `psync credentials set \(account.id)`",
                field: "id")
        }
        let accessToken: String
        do {
            accessToken = try await kite.createSession(credentials, requestToken: token)
        } catch let error as BrokerError {
            throw APIError(status: 502, code: "broker_\(error.kind.rawValue)", message: "the Kite login failed: \(error.message)")
        }
        var fields = credentials.fields
        fields["access_token"] = accessToken
        guard !accessToken.isEmpty, accessToken.utf8.count <= 4096, Self.fieldBreakingHeaders(["access_token": accessToken]) == nil else {
            throw APIError(
                status: 502, code: "broker_permanent",
                message:
                    "the Kite login failed: Kite answered with an access token that is empty, over 4 KiB or holds a CR, LF or NUL; nothing was stored"
            )
        }
        let sealed = try await store(fields, for: account)
        if account.status == .reauthRequired {
            _ = try? await persistence.call(PersistenceAPI.updateAccount, UpdateAccount(id: account.id, status: .active))
        }
        return sealed
    }

    /// The first field (by name) whose value holds CR, LF or NUL: it would end a header line early, so it is never stored.
    static func fieldBreakingHeaders(_ fields: [String: String]) -> String? {
        fields.keys.sorted().first { name in fields[name]!.utf8.contains { $0 == 0x0d || $0 == 0x0a || $0 == 0x00 } }
    }

    private func rotateKeys() async throws -> KeysRotated {
        guard let current = vault.currentKeyID else { throw APIError.unavailable("this gateway has no credential key configured") }
        var resealed = 0
        var failed: [Int] = []
        var cursor: String?
        repeat {
            let page = try await persistence.call(
                PersistenceAPI.listCredentials, ListCredentials(excludingKeyID: current, brokerCode: broker, cursor: cursor, limit: 200))
            for box in page.items {
                do {
                    let sealed = try vault.reseal(box)
                    _ = try await persistence.call(
                        PersistenceAPI.storeCredentials,
                        StoreCredentials(
                            id: box.accountID, keyID: sealed.keyID, sealedBox: sealed.base64, issuedAt: box.issuedAt, expiresAt: box.expiresAt))
                    credentials.forget(box.accountID)
                    resealed += 1
                } catch {
                    failed.append(box.accountID)
                }
            }
            cursor = page.nextCursor
        } while cursor != nil
        logger.info("keys rotated", metadata: ["key.id": "\(current)", "resealed": "\(resealed)", "failed": "\(failed.count)"])
        return KeysRotated(brokerCode: broker, currentKeyID: current, resealed: resealed, failed: failed)
    }

    private func importStatement(_ request: ImportStatement) async throws -> SyncNowResult {
        guard broker == VestedAdapter.code else {
            throw APIError.unprocessable("statement import is for brokers without an API (VESTED); \(broker) is synced from its API", field: "id")
        }
        guard request.csv.utf8.count <= 4 << 20 else { throw APIError.payloadTooLarge("the statement is larger than 4 MiB") }
        let account = try await account(request.id)
        let holdings: [Holding]
        do {
            holdings = try StatementImport.holdings(from: request.csv)
        } catch let problems as StatementImport.Problems {
            throw APIError(
                status: 422, code: "invalid",
                message: "the statement has \(problems.lines.count) problem(s): \(problems.lines.prefix(20).joined(separator: "; "))",
                details: .object(["lines": .array(problems.lines.map { .string($0) })]))
        }
        let asOf = request.asOf ?? Date()
        let snapshot = HoldingsSnapshot(
            sourceSnapshotID: "import-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: holdings)
        let stored = try await persistence.callForwardingErrors(PersistenceAPI.storeSnapshot, StoreSnapshot(id: account.id, snapshot: snapshot))
        return SyncNowResult(accountID: account.id, snapshot: stored, holdings: holdings.count, transactions: 0)
    }
}
