package dev.authloopback.loopback.config;

import java.util.Set;

/** Every setting name loopback.war understands; one constant each, used by code, tests and docs. */
public final class SettingNames {
    public static final String UPSTREAM_URL = "upstream-url";
    public static final String TTL = "ttl";
    public static final String TTI = "tti";
    public static final String EXPIRY_SKEW = "expiry-skew";
    public static final String REFRESH_AHEAD = "refresh-ahead";
    public static final String KEY = "key";
    public static final String KEY_HEADERS = "key-headers";
    public static final String METHODS = "methods";
    public static final String PASS_METHODS = "pass-methods";
    public static final String MAX_ENTRIES = "max-entries";
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    public static final String READ_TIMEOUT = "read-timeout";
    public static final String MAX_REQUEST_BYTES = "max-request-bytes";
    public static final String MAX_RESPONSE_BYTES = "max-response-bytes";
    public static final String MIN_REFRESH_INTERVAL = "min-refresh-interval";
    public static final String ALLOW_FROM = "allow-from";
    public static final String SHARED_SECRET = "shared-secret";
    public static final String SHARED_SECRET_HEADER = "shared-secret-header";
    public static final String ADMIN_ALLOW_FROM = "admin-allow-from";
    public static final String ADMIN_SECRET = "admin-secret";
    public static final String CLUSTER_URI = "cluster-uri";
    public static final String REQUEST_BODY_TIMEOUT = "request-body-timeout";
    /** Local port of the loopback-only connector; token calls arriving on any other port are refused. */
    public static final String TOKEN_PORT = "token-port";
    /** Consecutive failed upstream calls, none covered by a stale token, after which health says DOWN. */
    public static final String HEALTH_DOWN_AFTER = "health-down-after";

    /** Not per profile: the list of named profiles, and an optional properties file. */
    public static final String PROFILES = "profiles";
    public static final String CONFIG_FILE = "config-file";

    public static final String PREFIX = "loopback.";
    public static final String ENV_PREFIX = "LOOPBACK_";
    public static final String DEFAULT_PROFILE = "default";

    static final Set<String> PER_PROFILE = Set.of(UPSTREAM_URL, TTL, TTI, EXPIRY_SKEW, REFRESH_AHEAD, KEY,
            KEY_HEADERS, METHODS, PASS_METHODS, MAX_ENTRIES, CONNECT_TIMEOUT, READ_TIMEOUT, MAX_REQUEST_BYTES,
            MAX_RESPONSE_BYTES, MIN_REFRESH_INTERVAL, ALLOW_FROM, SHARED_SECRET, SHARED_SECRET_HEADER,
            ADMIN_ALLOW_FROM, ADMIN_SECRET, CLUSTER_URI, REQUEST_BODY_TIMEOUT, TOKEN_PORT, HEALTH_DOWN_AFTER);

    static final Set<String> GLOBAL = Set.of(PROFILES, CONFIG_FILE);

    /** Values never shown in messages or logs. */
    static final Set<String> SECRETS = Set.of(SHARED_SECRET, ADMIN_SECRET);

    private SettingNames() {
    }

    static boolean isSecret(String name) {
        return SECRETS.contains(name);
    }
}
