import Contracts
import Foundation
import TestSupport
import Testing

/// The Kubernetes manifests of `compose/kubernetes/`: every overlay renders with kustomize and validates offline
/// against the Kubernetes schemas (`compose/kubernetes/validate.sh`: kubernetes-validate in a virtualenv under
/// `.build/`); then, on the rendered objects, every setting each service reads is provided, probes, resources,
/// budgets, mounted secrets, network paths and the autoscalers (KEDA's fields checked here: kubernetes-validate has
/// no schema for them).
@Suite("Kubernetes manifests: rendered, validated offline, every setting a service reads provided")
struct KubernetesManifestTests {
    typealias Object = [String: Any]

    static let overlays = ["local", "production", "production-hpa"]
    static let gatewayBrokers = ["SANDBOX", "ZERODHA", "ALPACA", "UPSTOX"]

    @Test("every overlay renders and every object validates against the Kubernetes schemas (1.29 and 1.37)")
    func rendersAndValidates() async throws {
        let output = try await Rendered.shared.value
        let failure = try? String(contentsOfFile: output + "/failed", encoding: .utf8)
        #expect(failure == nil, "compose/kubernetes/validate.sh failed: \(failure ?? "")")
        let report = try String(contentsOfFile: output + "/report.txt", encoding: .utf8)
        for name in Self.overlays + ["secrets", "cli"] {
            #expect(report.contains("\(name): "), "validate.sh reported nothing for \(name)")
            let objects = try Self.objects(output, name)
            #expect(!objects.isEmpty, "\(name) rendered no object")
        }
    }

    @Test("each service and broker gateway has its Deployment, with every setting it reads provided (env or _FILE)")
    func everySettingProvided() async throws {
        let output = try await Rendered.shared.value
        let required = try ManifestSettings.read(root: Rendered.root)
        for overlay in Self.overlays {
            let objects = try Self.objects(output, overlay)
            let deployments = Self.psyncDeployments(objects)
            #expect(
                Set(deployments.map(\.name))
                    == Set(ManifestSettings.services.map { "psync-\($0)" } + Self.gatewayBrokers.map { "psync-gateway-\($0.lowercased())" }),
                "\(overlay): \(deployments.map(\.name))")
            for deployment in deployments {
                let missing = ManifestSettings.missing(deployment: deployment.object, objects: objects, read: required)
                #expect(missing.isEmpty, "\(overlay): \(deployment.name) does not set \(missing.joined(separator: ", "))")
            }
        }
    }

    @Test("the settings check is not vacuous: it fails when a setting is removed, given as plain env, or newly read")
    func settingsCheckFailsWhenSomethingIsMissing() async throws {
        let output = try await Rendered.shared.value
        let required = try ManifestSettings.read(root: Rendered.root)
        // What the code reads is found at all.
        for name in ["PSYNC_REDIS_URL", "PSYNC_REDIS_USER", "PSYNC_REDIS_PASSWORD", "PSYNC_SERVICE_TOKEN", "PSYNC_PERSISTENCE_URL"] {
            #expect(required["psync-scheduler"]?[name] != nil, "\(name) not found among the scheduler's settings")
        }
        #expect(required["psync-persistence"]?["PSYNC_POSTGRES_URL"] != nil)
        #expect(required["psync-gateway"]?["PSYNC_MASTER_KEY"] != nil)
        #expect(required["psync-gateway"]?["PSYNC_<BROKER>_BASE_URL"] != nil)
        #expect(required["psync-monitor"]?["PSYNC_MONITOR_SESSION_SECRET"] != nil)
        #expect(required["psync-monitor"]?["PSYNC_SCHEDULER_URL"] != nil)
        // Every allow-listed default is still read somewhere (a renamed setting leaves no stale excuse behind).
        let everything = Set(required.values.flatMap(\.keys))
        for name in ManifestSettings.allowed.keys { #expect(everything.contains(name), "\(name) is allow-listed but no service reads it") }

        let objects = try Self.objects(output, "production")
        func deployment(_ name: String, in objects: [Object]) -> Object {
            objects.first { ($0["kind"] as? String) == "Deployment" && Self.name($0) == name }!
        }
        // A Deployment without one env entry.
        var persistence = deployment("psync-persistence", in: objects)
        Self.editContainer(&persistence) { container in
            container["env"] = (container["env"] as? [Object] ?? []).filter { ($0["name"] as? String) != "PSYNC_REDIS_USER" }
        }
        #expect(ManifestSettings.missing(deployment: persistence, objects: objects, read: required) == ["PSYNC_REDIS_USER"])
        // The Redis password given in the environment, which the services refuse: only _FILE counts.
        var scheduler = deployment("psync-scheduler", in: objects)
        Self.editContainer(&scheduler) { container in
            container["envFrom"] = []
            container["env"] = (container["env"] as? [Object] ?? []) + [["name": "PSYNC_REDIS_PASSWORD", "value": "x"]]
        }
        #expect(ManifestSettings.missing(deployment: scheduler, objects: objects, read: required).contains("PSYNC_REDIS_PASSWORD"))
        // A setting gone from the shared ConfigMap is missing in every Deployment that reads it.
        let withoutURL = objects.map { object -> Object in
            guard (object["kind"] as? String) == "ConfigMap", Self.name(object) == "psync-settings" else { return object }
            var copy = object
            var data = object["data"] as? [String: String] ?? [:]
            data["PSYNC_PERSISTENCE_URL"] = nil
            copy["data"] = data
            return copy
        }
        for name in ["psync-scheduler", "psync-dispatcher", "psync-monitor", "psync-gateway-zerodha"] {
            #expect(
                ManifestSettings.missing(deployment: deployment(name, in: withoutURL), objects: withoutURL, read: required) == [
                    "PSYNC_PERSISTENCE_URL"
                ],
                "\(name)")
        }
        #expect(ManifestSettings.missing(deployment: deployment("psync-persistence", in: withoutURL), objects: withoutURL, read: required).isEmpty)
        // A setting newly read by a service (a modified copy of its source) is reported until a Deployment provides it.
        let copy = try TemporaryDirectory.make(prefix: "k8s-settings")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for directory in ["Services/Scheduler", "Shared/ServiceKit"] {
            try FileManager.default.createDirectory(atPath: copy + "/" + directory, withIntermediateDirectories: true)
            for file in try FileManager.default.contentsOfDirectory(atPath: Rendered.root + "/" + directory) {
                try FileManager.default.copyItem(atPath: Rendered.root + "/\(directory)/\(file)", toPath: copy + "/\(directory)/\(file)")
            }
        }
        try "let poll = environment.string(\"PSYNC_SCHEDULER_SHARD\")\n".write(
            toFile: copy + "/Services/Scheduler/Shard.swift", atomically: true, encoding: .utf8)
        let modified = try ManifestSettings.read(root: copy, services: ["scheduler"])
        #expect(
            ManifestSettings.missing(deployment: deployment("psync-scheduler", in: objects), objects: objects, read: modified) == [
                "PSYNC_SCHEDULER_SHARD"
            ])
    }

    @Test("probes on /readyz and /healthz, resources, a PodDisruptionBudget and only mounted secrets that exist")
    func probesResourcesBudgetsSecrets() async throws {
        let output = try await Rendered.shared.value
        let health = try String(contentsOfFile: Rendered.root + "/Shared/ServiceKit/HealthRoutes.swift", encoding: .utf8)
        #expect(health.contains("get(\"/readyz\")") && health.contains("get(\"/healthz\")"), "ServiceKit's health paths changed")
        let secrets = try Self.objects(output, "secrets")
        for overlay in Self.overlays {
            let objects = try Self.objects(output, overlay)
            let available = objects + secrets
            for deployment in Self.psyncDeployments(objects) {
                let spec = deployment.podSpec
                let container = (spec["containers"] as? [Object])!.first!
                let ports = container["ports"] as? [Object] ?? []
                #expect(ports.count == 1 && (ports[0]["name"] as? String) == "http", "\(overlay) \(deployment.name): one port named http")
                for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
                    let get = (container[probe] as? Object)?["httpGet"] as? Object
                    #expect((get?["path"] as? String) == path && (get?["port"] as? String) == "http", "\(overlay) \(deployment.name) \(probe)")
                }
                let resources = container["resources"] as? Object ?? [:]
                for kind in ["requests", "limits"] {
                    let values = resources[kind] as? Object ?? [:]
                    #expect(values["cpu"] != nil && values["memory"] != nil, "\(overlay) \(deployment.name): \(kind) of cpu and memory")
                }
                let budgets = objects.filter {
                    ($0["kind"] as? String) == "PodDisruptionBudget"
                        && ((($0["spec"] as? Object)?["selector"] as? Object)?["matchLabels"] as? [String: String])?["app.kubernetes.io/name"]
                            == deployment.name
                }
                #expect(budgets.count == 1, "\(overlay) \(deployment.name): one PodDisruptionBudget")
                // Every volume's Secret or ConfigMap exists with the keys mounted, and every *_FILE names a mounted file.
                var files: Set<String> = []
                let mounts = container["volumeMounts"] as? [Object] ?? []
                for volume in spec["volumes"] as? [Object] ?? [] {
                    let volumeName = volume["name"] as? String ?? ""
                    let mountPath = mounts.first { ($0["name"] as? String) == volumeName }?["mountPath"] as? String
                    for (kind, field, nameKey) in [("Secret", "secret", "secretName"), ("ConfigMap", "configMap", "name")] {
                        guard let source = volume[field] as? Object, let sourceName = source[nameKey] as? String else { continue }
                        let object = available.first { ($0["kind"] as? String) == kind && Self.name($0) == sourceName }
                        #expect(object != nil, "\(overlay) \(deployment.name): no \(kind) \(sourceName) (rendered or made by secrets.sh)")
                        let keys = Set(((object?["data"] as? Object) ?? [:]).keys)
                        for item in source["items"] as? [Object] ?? [] {
                            let key = item["key"] as? String ?? ""
                            #expect(keys.contains(key), "\(overlay) \(deployment.name): \(kind) \(sourceName) has no key \(key)")
                            if let mountPath { files.insert(mountPath + "/" + (item["path"] as? String ?? "")) }
                        }
                    }
                }
                for (name, value) in ManifestSettings.environment(of: deployment.object, objects: objects) where name.hasSuffix("_FILE") {
                    // The shared ConfigMap names the Redis password file; a service without Redis never reads it.
                    if ManifestSettings.withoutRedis.contains(deployment.executable), name.hasPrefix("PSYNC_REDIS_") { continue }
                    #expect(files.contains(value), "\(overlay) \(deployment.name): \(name)=\(value) is not a mounted file")
                }
            }
        }
    }

    @Test("production scales each gateway with a KEDA ScaledObject on its broker's job lag, to zero; no HPA beside it")
    func kedaScaledObjects() async throws {
        let output = try await Rendered.shared.value
        let objects = try Self.objects(output, "production")
        let secrets = try Self.objects(output, "secrets")
        #expect(Self.kind("HorizontalPodAutoscaler", in: objects).isEmpty)
        let scaled = Self.kind("ScaledObject", in: objects)
        #expect(scaled.count == Self.gatewayBrokers.count)
        for broker in Self.gatewayBrokers {
            let deployment = "psync-gateway-\(broker.lowercased())"
            // KEDA's CRD requires spec.scaleTargetRef.name and spec.triggers (each with type and metadata).
            let object = scaled.first { ((($0["spec"] as? Object)?["scaleTargetRef"] as? Object)?["name"] as? String) == deployment }
            let spec = try #require(object?["spec"] as? Object, "no ScaledObject targets \(deployment)")
            #expect((object?["apiVersion"] as? String) == "keda.sh/v1alpha1")
            #expect((spec["minReplicaCount"] as? Int) == 0, "\(broker) may scale to zero")
            #expect(((spec["maxReplicaCount"] as? Int) ?? 0) >= 1)
            let triggers = try #require(spec["triggers"] as? [Object])
            #expect(triggers.count == 1)
            let trigger = triggers[0]
            let metadata = trigger["metadata"] as? [String: String] ?? [:]
            #expect((trigger["type"] as? String) == "redis-streams")
            #expect(metadata["stream"] == StreamNames.jobs(broker: broker))
            #expect(metadata["consumerGroup"] == StreamNames.Group.gateway)
            #expect(Int(metadata["lagCount"] ?? "") ?? 0 > 0, "lagCount is a positive number: \(metadata)")
            #expect(metadata["activationLagCount"] != nil, "KEDA needs activationLagCount with lagCount")
            #expect(metadata["address"] != nil || metadata["addressFromEnv"] != nil || metadata["host"] != nil)
            // The TriggerAuthentication it names reads the gateway's own Redis user and password from its Secret.
            let authentication = (trigger["authenticationRef"] as? Object)?["name"] as? String
            let auth = Self.kind("TriggerAuthentication", in: objects).first { Self.name($0) == authentication }
            let references = try #require(
                (auth?["spec"] as? Object)?["secretTargetRef"] as? [Object], "no TriggerAuthentication \(authentication ?? "")")
            #expect(Set(references.compactMap { $0["parameter"] as? String }) == ["username", "password"])
            for reference in references {
                let secret = Self.kind("Secret", in: secrets).first { Self.name($0) == (reference["name"] as? String) }
                #expect(reference["name"] as? String == deployment)
                #expect((secret?["data"] as? Object)?[reference["key"] as? String ?? ""] != nil, "\(reference)")
            }
            let user = Self.kind("Secret", in: secrets).first { Self.name($0) == deployment }.flatMap {
                ($0["data"] as? [String: String])?["redis-user"]
            }
            #expect(user.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } == deployment)
        }
        #expect(Self.kind("ScaledObject", in: try Self.objects(output, "local")).isEmpty)
        #expect(Self.kind("HorizontalPodAutoscaler", in: try Self.objects(output, "local")).isEmpty)
    }

    @Test("production-hpa scales each gateway with an autoscaling/v2 HPA on the monitor's lag gauge, without KEDA")
    func hpaAlternative() async throws {
        let output = try await Rendered.shared.value
        let objects = try Self.objects(output, "production-hpa")
        #expect(Self.kind("ScaledObject", in: objects).isEmpty && Self.kind("TriggerAuthentication", in: objects).isEmpty)
        let autoscalers = Self.kind("HorizontalPodAutoscaler", in: objects)
        #expect(autoscalers.count == Self.gatewayBrokers.count)
        for broker in Self.gatewayBrokers {
            let deployment = "psync-gateway-\(broker.lowercased())"
            let hpa = autoscalers.first { ((($0["spec"] as? Object)?["scaleTargetRef"] as? Object)?["name"] as? String) == deployment }
            #expect((hpa?["apiVersion"] as? String) == "autoscaling/v2", "\(deployment)")
            let metric = (((hpa?["spec"] as? Object)?["metrics"] as? [Object])?.first?["external"] as? Object)?["metric"] as? Object
            #expect((metric?["name"] as? String) == "psync_gateway_lag")
            #expect(((metric?["selector"] as? Object)?["matchLabels"] as? [String: String]) == ["broker": broker])
        }
        // The gauge the adapter's rule reads is the one the monitor exports.
        let metrics = try String(contentsOfFile: Rendered.root + "/Services/Monitor/Live/SystemMetrics.swift", encoding: .utf8)
        let rules = try String(contentsOfFile: Rendered.root + "/compose/kubernetes/autoscaling/hpa/prometheus-adapter-rules.yaml", encoding: .utf8)
        #expect(metrics.contains("\"psync_stream_lag\"") && rules.contains("psync_stream_lag{group=\"\(StreamNames.Group.gateway)\""))
    }

    @Test("NetworkPolicies: all denied first; each service may reach what its *_URL settings name, gateways port 443")
    func networkPolicies() async throws {
        let output = try await Rendered.shared.value
        for overlay in Self.overlays {
            let objects = try Self.objects(output, overlay)
            let policies = Self.kind("NetworkPolicy", in: objects)
            #expect(
                policies.contains { Self.name($0) == "psync-default-deny" && (($0["spec"] as? Object)?["podSelector"] as? Object)?.isEmpty == true },
                "\(overlay): no default deny")
            let deployments = Self.psyncDeployments(objects)
            for deployment in deployments {
                let environment = ManifestSettings.environment(of: deployment.object, objects: objects)
                let reads = try ManifestSettings.read(root: Rendered.root)[deployment.executable] ?? [:]
                for (name, value) in environment where name.hasSuffix("_URL") && name != "PSYNC_REDIS_URL" && reads[name] != nil {
                    guard let url = URL(string: value), let host = url.host, let port = url.port else { continue }
                    guard let target = deployments.first(where: { $0.name == host }) else { continue }
                    #expect(
                        NetworkPaths.allows(policies, from: deployment.labels, to: target.labels, port: port),
                        "\(overlay): \(deployment.name) may not reach \(host):\(port) (\(name))")
                }
            }
            let gateway = deployments.first { $0.name == "psync-gateway-zerodha" }!
            #expect(NetworkPaths.egressPorts(policies, from: gateway.labels).contains(443), "\(overlay): gateways cannot reach brokers")
            let scheduler = deployments.first { $0.name == "psync-scheduler" }!
            #expect(!NetworkPaths.egressPorts(policies, from: scheduler.labels).contains(443), "\(overlay): the scheduler reaches the internet")
        }
    }

    // MARK: - Reading the rendered objects

    struct Deployment {
        let object: Object
        var name: String { KubernetesManifestTests.name(object) }
        var podSpec: Object { ((object["spec"] as? Object)?["template"] as? Object)?["spec"] as? Object ?? [:] }
        var labels: [String: String] {
            (((object["spec"] as? Object)?["template"] as? Object)?["metadata"] as? Object)?["labels"] as? [String: String] ?? [:]
        }
        var command: [String] { ((podSpec["containers"] as? [Object])?.first?["command"] as? [String]) ?? [] }
        /// `psync-scheduler` … `psync-gateway`.
        var executable: String { command.first ?? "" }
        /// The broker of a gateway (`--broker CODE`).
        var broker: String? { command.firstIndex(of: "--broker").map { command[$0 + 1] } }
    }

    static func objects(_ output: String, _ name: String) throws -> [Object] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(output)/\(name).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [Object])
    }

    static func name(_ object: Object) -> String { (object["metadata"] as? Object)?["name"] as? String ?? "" }

    static func kind(_ kind: String, in objects: [Object]) -> [Object] { objects.filter { ($0["kind"] as? String) == kind } }

    /// The Deployments that run one of our services (brokersim, Redis and Postgres of the local overlay apart).
    static func psyncDeployments(_ objects: [Object]) -> [Deployment] {
        kind("Deployment", in: objects).map(Deployment.init).filter { ManifestSettings.executables.contains($0.executable) }
    }

    static func editContainer(_ deployment: inout Object, _ edit: (inout Object) -> Void) {
        var spec = deployment["spec"] as! Object
        var template = spec["template"] as! Object
        var podSpec = template["spec"] as! Object
        var containers = podSpec["containers"] as! [Object]
        edit(&containers[0])
        podSpec["containers"] = containers
        template["spec"] = podSpec
        spec["template"] = template
        deployment["spec"] = spec
    }
}

/// The settings each executable reads, from its source, and whether a Deployment provides them.
enum ManifestSettings {
    static let services = ["scheduler", "dispatcher", "persistence", "monitor", "webhooks"]
    static let executables: Set<String> = Set(services.map { "psync-\($0)" } + ["psync-gateway"])
    static let directories = [
        "scheduler": "Services/Scheduler", "dispatcher": "Services/Dispatcher", "persistence": "Services/Persistence",
        "monitor": "Services/Monitor", "webhooks": "Services/Webhooks", "gateway": "Services/Gateway",
    ]

    /// How a setting is read: `file` only from `NAME_FILE` (`fileSecret`), `secret` from `NAME` or `NAME_FILE`, `plain` from `NAME`.
    enum Source { case plain, secret, file }

    /// ManifestSettings with safe defaults that a Deployment need not set, and why. `<BROKER>` stands for a gateway's broker.
    static let allowed: [String: String] = [
        // Every service (ServiceKit).
        "PSYNC_ADDRESS_FILE": "only for healthchecks of port-0 replicas; pods bind a fixed port and are probed on it",
        "PSYNC_LOG_LEVEL": "info by default",
        "PSYNC_HEARTBEAT_INTERVAL": "2 s by default (TTL five intervals)",
        "PSYNC_LOG_FORMAT": "auto writes JSON lines when standard error is not a terminal, as in a pod (set anyway)",
        "PSYNC_POSTGRES_URL": "read by every service's shared configuration, but only psync-persistence connects (required there)",
        // Scheduler.
        "PSYNC_LEADER_LEASE": "lease length of the leader election, tuned default",
        "PSYNC_MISFIRE_GRACE": "tuned default", "PSYNC_MISFIRE_LIMIT": "tuned default", "PSYNC_SCHEDULE_POLL": "tuned default",
        // Dispatcher, persistence and gateway tuning knobs with measured defaults (BENCHMARKS.md).
        "PSYNC_CLAIM_IDLE": "30 s: pending work of a dead replica is taken over after it",
        "PSYNC_RUN_DEADLINE": "tuned default", "PSYNC_RUN_SWEEP_INTERVAL": "tuned default", "PSYNC_FANOUT_PAGE": "tuned default",
        "PSYNC_MAX_DELIVERIES": "10 deliveries before a dead letter",
        "PSYNC_POSTGRES_LEASE_TIMEOUT": "tuned default", "PSYNC_POSTGRES_STATEMENT_TIMEOUT": "tuned default",
        "PSYNC_POSTGRES_POOL_SIZE": "tuned default", "PSYNC_RESULT_BATCH_WINDOW": "5 ms, measured", "PSYNC_RESULT_BATCH_SIZE": "200, measured",
        "PSYNC_RESULT_BATCH_ATTEMPTS": "tuned default", "PSYNC_RESULT_CONSUMERS": "tuned default",
        // psync-webhooks (README.md, "The change feed and webhooks").
        "PSYNC_WEBHOOKS_ALLOWED_HOSTS": "empty: any public host", "PSYNC_WEBHOOKS_ALLOWED_NETWORKS": "none: private targets refused",
        "PSYNC_WEBHOOKS_ALLOW_HTTP": "false: https only", "PSYNC_WEBHOOKS_KEY_ID": "k1",
        "PSYNC_WEBHOOKS_PREVIOUS_KEYS": "only during a key rotation", "PSYNC_WEBHOOKS_RETRY_BASE": "10 s", "PSYNC_WEBHOOKS_RETRY_MAX": "1 h",
        "PSYNC_WEBHOOKS_RETRY_WINDOW": "24 h", "PSYNC_WEBHOOKS_DISABLE_AFTER": "24 h", "PSYNC_WEBHOOKS_TIMEOUT": "10 s",
        "PSYNC_WEBHOOKS_CONCURRENCY": "32", "PSYNC_WEBHOOKS_POLL_INTERVAL": "250 ms",
        "PSYNC_RETENTION_INTERVAL": "tuned default", "PSYNC_REAUTH_WARNING_INTERVAL": "tuned default", "PSYNC_RETENTION_DAYS": "tuned default",
        "PSYNC_DEAD_LETTER_MAX": "tuned default",
        "PSYNC_BROKER_TIMEOUT": "10 s", "PSYNC_BROKER_MAX_BODY": "32 MiB", "PSYNC_CREDENTIALS_CACHE_TTL": "60 s",
        "PSYNC_DRAIN_TIMEOUT": "5 s, within the pods' 20 s grace period", "PSYNC_OWN_FAULT_DELAY": "5 s",
        "PSYNC_RETRY_AFTER_MAX": "15 min", "PSYNC_RETRY_BASE": "1 s", "PSYNC_RETRY_MAX": "60 s",
        "PSYNC_ACCOUNT_CONCURRENCY": "2 jobs per account across replicas", "PSYNC_MAX_ATTEMPTS": "5",
        "PSYNC_RESULTS_BACKLOG_MAX": "5,000 results waiting before a replica stops taking jobs",
        "PSYNC_GATEWAY_CONCURRENCY": "64 jobs in flight per replica (set anyway)",
        // Gateway identity and keys.
        "PSYNC_BROKER": "given as --broker in the command",
        "PSYNC_MASTER_KEY_ID": "k1 unless keys were rotated",
        "PSYNC_<BROKER>_BASE_URL": "the adapter's default is the broker's real API (overlays/local sets brokersim)",
        "PSYNC_<BROKER>_RATE_LIMIT": "the adapter's documented limits",
        "PSYNC_<BROKER>_KEY": "a per-broker key instead of PSYNC_MASTER_KEY, which the Deployments give",
        "PSYNC_<BROKER>_KEY_ID": "only with PSYNC_<BROKER>_KEY",
        // Monitor.
        "PSYNC_MONITOR_PUBLIC_URL": "the address a request came in on; production-common sets the Ingress's",
        "PSYNC_MONITOR_TRUSTED_PROXIES": "none: X-Forwarded-For ignored (no proxy in front); production-common names the ingress controller's pods",
        "PSYNC_MONITOR_SECURE_COOKIE": "off for plain HTTP (local port-forward); production-common turns it on",
        "PSYNC_MONITOR_SESSION_TTL": "12 h", "PSYNC_MONITOR_SESSION_IDLE_TIMEOUT": "30 min", "PSYNC_MONITOR_EVENTS_RECHECK": "5 s",
        "PSYNC_MONITOR_LOGIN_ATTEMPTS": "10", "PSYNC_MONITOR_LOGIN_WINDOW": "5 min", "PSYNC_MONITOR_LOST_AFTER": "10 s",
        "PSYNC_MONITOR_FORGET_AFTER": "24 h", "PSYNC_MONITOR_METRICS_INTERVAL": "10 s",
    ]

    /// Services that use no Redis (`ServiceConfiguration(…, usesRedis: false)`): the shared Redis settings are not theirs.
    static let withoutRedis: Set<String> = ["psync-webhooks"]

    /// Required everywhere it is read, whatever the allow-list says: persistence's Postgres URL.
    static let requiredFor: [String: Set<String>] = ["psync-persistence": ["PSYNC_POSTGRES_URL"]]

    /// By executable (`psync-scheduler` … `psync-gateway`): each setting read in its folder or in Shared/ServiceKit,
    /// with how it is read. A line reads a setting when it holds `environment` and the setting's name as a literal
    /// (`environment.string("PSYNC_X")`, `Self.positive(environment, "PSYNC_X")`); the gateway's
    /// `"PSYNC_\(broker)_KEY"` and `prefix + "BASE_URL"` (prefix `PSYNC_<broker>_`) become `PSYNC_<BROKER>_…`.
    /// Not seen, all optional: `PSYNC_ADMIN_TOKEN` and `PSYNC_READ_TOKEN` (read in a loop; deployments give services only
    /// the hashes), the previous keys of a key rotation (named through a variable), a broker's API variants
    /// (`PSYNC_<BROKER>_<VARIANT>_BASE_URL`) and its adapter options (`values(withPrefix:)`).
    static func read(root: String, services: [String]? = nil) throws -> [String: [String: Source]] {
        let shared = try readFolder(root + "/Shared/ServiceKit")
        var result: [String: [String: Source]] = [:]
        for service in services ?? Array(directories.keys) {
            var settings = shared
            settings.merge(try readFolder(root + "/" + directories[service]!)) { first, _ in first }
            if withoutRedis.contains("psync-\(service)") { settings = settings.filter { !$0.key.hasPrefix("PSYNC_REDIS_") } }
            result["psync-\(service)"] = settings
        }
        return result
    }

    static func readFolder(_ folder: String) throws -> [String: Source] {
        let literal = try Regex(#"environment(?:\.(\w+)\(|,\s*)"(PSYNC_[A-Z0-9_]+)""#)
        let template = try Regex(#"environment\.(\w+)\("PSYNC_\\\((?:self\.)?broker\)_([A-Z0-9_]+)""#)
        let prefixed = try Regex(#"environment\.(\w+)\(prefix \+ "([A-Z0-9_]+)"\)"#)
        var settings: [String: Source] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { throw SettingsError("\(folder) cannot be read") }
        for case let file as String in enumerator where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            let hasBrokerPrefix = text.contains(#"let prefix = "PSYNC_\(self.broker)_""#)
            for line in text.split(separator: "\n") where line.contains("environment") {
                func record(_ method: Substring?, _ name: String) {
                    let source: Source = method == "fileSecret" ? .file : method == "secret" ? .secret : .plain
                    settings[name] = settings[name].map { $0 == .plain ? source : $0 } ?? source
                }
                for match in line.matches(of: literal) {
                    record(match.output[1].substring, String(match.output[2].substring!))
                }
                for match in line.matches(of: template) {
                    record(match.output[1].substring, "PSYNC_<BROKER>_" + match.output[2].substring!)
                }
                if hasBrokerPrefix {
                    for match in line.matches(of: prefixed) {
                        record(match.output[1].substring, "PSYNC_<BROKER>_" + match.output[2].substring!)
                    }
                }
            }
        }
        return settings
    }

    /// The container's environment: the ConfigMaps of `envFrom` (found among `objects`), then `env` (a value, or
    /// `valueFrom`, shown as `<from>`).
    static func environment(of deployment: KubernetesManifestTests.Object, objects: [KubernetesManifestTests.Object]) -> [String: String] {
        let container = KubernetesManifestTests.Deployment(object: deployment).podSpec["containers"].flatMap {
            ($0 as? [KubernetesManifestTests.Object])?.first
        }
        var environment: [String: String] = [:]
        for source in container?["envFrom"] as? [KubernetesManifestTests.Object] ?? [] {
            guard let name = (source["configMapRef"] as? KubernetesManifestTests.Object)?["name"] as? String else { continue }
            let map = objects.first { ($0["kind"] as? String) == "ConfigMap" && KubernetesManifestTests.name($0) == name }
            environment.merge((map?["data"] as? [String: String]) ?? [:]) { _, new in new }
        }
        for entry in container?["env"] as? [KubernetesManifestTests.Object] ?? [] {
            guard let name = entry["name"] as? String else { continue }
            environment[name] = (entry["value"] as? String) ?? (entry["valueFrom"] != nil ? "<from>" : nil)
        }
        return environment.filter { !$0.value.isEmpty }
    }

    /// The settings `deployment` reads but neither sets nor may leave unset (sorted); `read` is `read(root:)`'s answer.
    static func missing(
        deployment: KubernetesManifestTests.Object, objects: [KubernetesManifestTests.Object], read: [String: [String: Source]]
    ) -> [String] {
        let wrapped = KubernetesManifestTests.Deployment(object: deployment)
        guard let settings = read[wrapped.executable] else { return ["(no settings known for '\(wrapped.executable)')"] }
        let environment = environment(of: deployment, objects: objects)
        var missing: [String] = []
        for (template, source) in settings {
            let required = requiredFor[wrapped.name]?.contains(template) ?? false
            if !required, allowed[template] != nil { continue }
            let name = template.replacingOccurrences(of: "<BROKER>", with: wrapped.broker ?? "<BROKER>")
            let provided: Bool
            switch source {
            case .plain: provided = environment[name] != nil
            case .secret: provided = environment[name] != nil || environment[name + "_FILE"] != nil
            case .file: provided = environment[name] == nil && environment[name + "_FILE"] != nil
            }
            if !provided { missing.append(name) }
        }
        return missing.sorted()
    }

    struct SettingsError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Which connections a set of NetworkPolicies allows (pods in one namespace; selectors by labels).
enum NetworkPaths {
    typealias Object = KubernetesManifestTests.Object

    static func selects(_ selector: Object?, _ labels: [String: String]) -> Bool {
        guard let selector else { return false }
        for (key, value) in selector["matchLabels"] as? [String: String] ?? [:] where labels[key] != value { return false }
        for expression in selector["matchExpressions"] as? [Object] ?? [] {
            let values = expression["values"] as? [String] ?? []
            guard (expression["operator"] as? String) == "In", let key = expression["key"] as? String, let label = labels[key], values.contains(label)
            else { return false }
        }
        return true
    }

    /// The egress rules of the policies that select a pod labelled `labels`.
    static func egressRules(_ policies: [Object], from labels: [String: String]) -> [Object] {
        policies.filter { selects(($0["spec"] as? Object)?["podSelector"] as? Object, labels) }
            .flatMap { (($0["spec"] as? Object)?["egress"] as? [Object]) ?? [] }
    }

    static func ingressRules(_ policies: [Object], to labels: [String: String]) -> [Object] {
        policies.filter { selects(($0["spec"] as? Object)?["podSelector"] as? Object, labels) }
            .flatMap { (($0["spec"] as? Object)?["ingress"] as? [Object]) ?? [] }
    }

    static func ports(_ rule: Object) -> Set<Int> { Set((rule["ports"] as? [Object] ?? []).compactMap { $0["port"] as? Int }) }

    static func egressPorts(_ policies: [Object], from labels: [String: String]) -> Set<Int> {
        egressRules(policies, from: labels).reduce(into: []) { $0.formUnion(ports($1)) }
    }

    /// Whether a pod labelled `source` may open `port` on a pod labelled `target`: an egress rule of the source's
    /// policies and an ingress rule of the target's, each naming the other's pod by labels.
    static func allows(_ policies: [Object], from source: [String: String], to target: [String: String], port: Int) -> Bool {
        let out = egressRules(policies, from: source).contains { rule in
            ports(rule).contains(port) && (rule["to"] as? [Object] ?? []).contains { selects($0["podSelector"] as? Object, target) }
        }
        let into = ingressRules(policies, to: target).contains { rule in
            ports(rule).contains(port) && (rule["from"] as? [Object] ?? []).contains { selects($0["podSelector"] as? Object, source) }
        }
        return out && into
    }
}

/// Runs `compose/kubernetes/validate.sh` once per test process; its output folder (under `.build/`).
enum Rendered {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let shared = Task<String, any Error> {
        let output = root + "/.build/test-output/kubernetes"
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let log = output + "/validate.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/compose/kubernetes/validate.sh", output]
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try handle.close()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // A schema failure is rendersAndValidates' to report; the other checks still read what was rendered.
        guard FileManager.default.fileExists(atPath: output + "/secrets.json") else {
            throw ManifestSettings.SettingsError("compose/kubernetes/validate.sh failed (exit \(status)):\n\(text)")
        }
        if status != 0 { try "exit \(status)\n\(text)".write(toFile: output + "/failed", atomically: true, encoding: .utf8) }
        return output
    }
}
