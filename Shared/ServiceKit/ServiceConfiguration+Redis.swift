public import RedisClient

extension ServiceConfiguration {
    /// Where and as whom to connect to Redis: the URL, with `PSYNC_REDIS_USER` and the password file in place of its credentials.
    public func redisConfiguration() throws -> RedisConfiguration {
        var redis = try RedisConfiguration(url: redisURL)
        if let redisUser { redis.user = redisUser }
        if let redisPassword { redis.password = redisPassword }
        if redis.user != nil, redis.password == nil {
            throw ConfigurationError("the Redis user has no password: set PSYNC_REDIS_PASSWORD_FILE")
        }
        return redis
    }

    /// A password on the command line is visible to every user of the machine (`ps`): `--redis-url` may not hold one.
    static func refusePassword(inRedisURL url: String) throws {
        guard (try? RedisConfiguration(url: url))?.password == nil else {
            throw ConfigurationError("--redis-url must not hold a password (command lines are visible to everyone); use PSYNC_REDIS_PASSWORD_FILE")
        }
    }
}
