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
}
