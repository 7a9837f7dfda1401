import Brokers
import Contracts
import Cryptography
import FoundationEssentials
import Hummingbird
import Logging
import RPC
import ServiceKit

/// The gateway's RPCs: seal credentials, verify them, sync one account now, the broker's login (for brokers
/// with one), key rotation, and statement import (for brokers without an API). No broker is named here:
/// what a broker can do is its adapter's `BrokerDescription`.
struct GatewayRoutes: Sendable {
    let broker: String
    let adapter: any BrokerAdapter
    let vault: CredentialVault
    let credentials: CredentialCache
    let persistence: RPCClient<CurlTransport>
    let logger: Logger

    /// What this gateway's broker is and can do.
    private var description: BrokerDescription { type(of: adapter).broker }

    func register(on router: Router<ServiceRequestContext>) {
        router.on(GatewayAPI.putCredentials) { request, _ in try await putCredentials(request) }
        router.on(GatewayAPI.verifyCredentials) { request, _ in try await verify(request.id) }
        router.on(GatewayAPI.syncNow) { request, _ in try await syncNow(request) }
        router.on(GatewayAPI.loginURL) { request, _ in try await loginURL(request.id, state: request.state) }
        router.on(GatewayAPI.completeLogin) { request, _ in try await completeLogin(request) }
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
            return try vault.open(box, apiKeyID: account.apiKeyID, rule: description.rateLimit)
        } catch let error as BrokerError {
            throw APIError.unprocessable(error.message, field: "id")
        }
    }

    private func putCredentials(_ request: PutCredentials) async throws -> CredentialsSealed {
        let account = try await account(request.id)
        let missing = description.credentialFields.filter { (request.credentials[$0] ?? "").isEmpty }
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
                let stored = try await persistence.callForwardingErrors(
                    PersistenceAPI.storeSnapshot, StoreSnapshot(id: account.id, snapshot: snapshot, positions: action == .positions ? true : nil))
                if action == .holdings { result.snapshot = stored }
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
        description.capabilities.contains(.login)
            ? "; log in again with `psync login \(account.id)`" : "; set new credentials with `psync credentials set \(account.id)`"
    }

    /// The broker's login flow, or a 422 saying this broker has none.
    private func loginFlow() throws -> LoginFlow {
        guard description.capabilities.contains(.login), let flow = description.login else {
            throw APIError.unprocessable("\(broker) has no login page; set the account's credentials with `psync credentials set`", field: "id")
        }
        return flow
    }

    private func loginURL(_ id: Int, state: String?) async throws -> LoginURL {
        let flow = try loginFlow()
        if let state, !(1...128).contains(state.count) || !state.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        {
            throw APIError.unprocessable("state must be 1-128 letters, digits, - or _", field: "state")
        }
        let credentials = try await opened(try await account(id))
        do {
            return LoginURL(accountID: id, url: try adapter.loginURL(credentials, state: state), redirectParameter: flow.redirectParameter)
        } catch let error as BrokerError {
            throw APIError.unprocessable(error.message, field: "id")
        }
    }

    /// Exchanges the code from the login redirect, stores the new credentials sealed, and ends a wait for re-login.
    private func completeLogin(_ request: CompleteLogin) async throws -> CredentialsSealed {
        let flow = try loginFlow()
        let code = request.code
        guard !code.isEmpty, code.count <= 512, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }) else {
            throw APIError.unprocessable(
                "code must be the \(flow.redirectParameter) \(broker) put in the redirect URL (letters, digits, - _ . ~)", field: "code")
        }
        let account = try await account(request.id)
        let credentials = try await opened(account)
        let missing = flow.secretFields.filter { (credentials.fields[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw APIError.unprocessable(
                "the \(broker) login needs \(missing.map { "'\($0)'" }.joined(separator: ", ")) in account \(account.id)'s credentials; set them with `psync credentials set \(account.id)`",
                field: "id")
        }
        let fields: [String: String]
        do {
            fields = try await adapter.completeLogin(credentials, code: code)
        } catch let error as BrokerError {
            throw APIError(status: 502, code: "broker_\(error.kind.rawValue)", message: "the \(broker) login failed: \(error.message)")
        }
        guard fields.allSatisfy({ !$0.value.isEmpty && $0.value.utf8.count <= 4096 }), Self.fieldBreakingHeaders(fields) == nil else {
            throw APIError(
                status: 502, code: "broker_permanent",
                message:
                    "the \(broker) login failed: \(broker) answered with a token that is empty, over 4 KiB or holds a CR, LF or NUL; nothing was stored"
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
        guard description.capabilities.contains(.statementImport) else {
            throw APIError.unprocessable("statement import is for brokers without an API; \(broker) is synced from its API", field: "id")
        }
        guard request.csv.utf8.count <= 4 << 20 else { throw APIError.payloadTooLarge("the statement is larger than 4 MiB") }
        let account = try await account(request.id)
        let asOf = request.asOf ?? Date()
        let statement: Statement
        do {
            statement = try adapter.statement(request.csv, asOf: asOf)
        } catch let problems as StatementProblems {
            throw APIError(
                status: 422, code: "invalid",
                message: "the statement has \(problems.lines.count) problem(s): \(problems.lines.prefix(20).joined(separator: "; "))",
                details: .object(["lines": .array(problems.lines.map { .string($0) })]))
        } catch let error as BrokerError {
            throw APIError.unprocessable(error.message, field: "csv")
        }
        let snapshot = HoldingsSnapshot(
            sourceSnapshotID: "import-\(Int64(asOf.timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))", asOf: asOf,
            holdings: statement.holdings)
        let stored = try await persistence.callForwardingErrors(PersistenceAPI.storeSnapshot, StoreSnapshot(id: account.id, snapshot: snapshot))
        var transactions = 0
        if !statement.transactions.isEmpty {
            transactions = try await persistence.callForwardingErrors(
                PersistenceAPI.storeTransactions,
                StoreTransactions(id: account.id, batch: TransactionsBatch(transactions: statement.transactions, cursor: nil))
            ).stored
        }
        return SyncNowResult(accountID: account.id, snapshot: stored, holdings: statement.holdings.count, transactions: transactions)
    }
}
