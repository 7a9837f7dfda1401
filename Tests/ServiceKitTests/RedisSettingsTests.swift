import ArgumentParser
import Foundation
import RedisClient
import ServiceKit
import TestSupport
import Testing

@Suite("Redis user and password settings")
struct RedisSettingsTests {
    static let password = "redis-password-from-a-file-0123456789"

    static func passwordFile() throws -> String {
        let path = try TemporaryDirectory.make(prefix: "psync-redis-settings") + "/password"
        try (password + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("PSYNC_REDIS_USER and PSYNC_REDIS_PASSWORD_FILE replace the URL's credentials; the address stays free of them")
    func userAndFile() throws {
        let reader = EnvironmentReader([
            "PSYNC_REDIS_URL": "redis://someone:old@r:6380/2", "PSYNC_REDIS_USER": "psync-monitor",
            "PSYNC_REDIS_PASSWORD_FILE": try Self.passwordFile(),
        ])
        let redis = try ServiceConfiguration(defaultPort: 7104, environment: reader).redisConfiguration()
        #expect(redis.user == "psync-monitor" && redis.password == Self.password && redis.database == 2)
        #expect(redis.endpoint == .tcp(host: "r", port: 6380))
        #expect(!redis.description.contains(Self.password) && !redis.description.contains("old"))
        let fromURL = try ServiceConfiguration(
            defaultPort: 7104,
            environment: EnvironmentReader([
                "PSYNC_REDIS_URL": "redis://psync-gateway-sandbox@r:6379/0", "PSYNC_REDIS_PASSWORD_FILE": try Self.passwordFile(),
            ])
        ).redisConfiguration()
        #expect(fromURL.user == "psync-gateway-sandbox" && fromURL.password == Self.password)
    }

    @Test("a Redis password in the environment is refused, naming the file setting and not echoing it")
    func passwordInEnvironmentRefused() throws {
        let reader = EnvironmentReader(["PSYNC_REDIS_USER": "psync-monitor", "PSYNC_REDIS_PASSWORD": Self.password])
        do {
            _ = try ServiceConfiguration(defaultPort: 7104, environment: reader)
            Issue.record("PSYNC_REDIS_PASSWORD was accepted")
        } catch let error as ConfigurationError {
            #expect("\(error)".contains("PSYNC_REDIS_PASSWORD_FILE") && !"\(error)".contains(Self.password))
        }
    }

    @Test("a user without a password is refused at start, naming the setting")
    func userWithoutPassword() throws {
        let configuration = try ServiceConfiguration(defaultPort: 7104, environment: EnvironmentReader(["PSYNC_REDIS_USER": "psync-monitor"]))
        #expect(throws: ConfigurationError.self) { try configuration.redisConfiguration() }
        let plain = try ServiceConfiguration(defaultPort: 7104, environment: EnvironmentReader([:])).redisConfiguration()
        #expect(plain.user == nil && plain.password == nil)
    }

    @Test("--redis-url with a password is refused: argv is visible to every user")
    func passwordOnCommandLineRefused() throws {
        var configuration = ServiceConfiguration(defaultPort: 7104)
        let withPassword = try ServiceOptions.parse(["--redis-url", "redis://psync-monitor:\(Self.password)@r:6379/0"])
        #expect(throws: ConfigurationError.self) { try configuration.apply(withPassword) }
        try configuration.apply(try ServiceOptions.parse(["--redis-url", "redis://psync-monitor@r:6379/0"]))
        #expect(configuration.redisURL == "redis://psync-monitor@r:6379/0")
    }
}
