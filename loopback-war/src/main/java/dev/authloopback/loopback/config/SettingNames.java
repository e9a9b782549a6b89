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
    /** Longest access_token stored and served, in characters; longer ones are refused with 502. */
    public static final String MAX_TOKEN_LENGTH = "max-token-length";
    public static final String MIN_REFRESH_INTERVAL = "min-refresh-interval";
    public static final String ALLOW_FROM = "allow-from";
    public static final String SHARED_SECRET = "shared-secret";
    public static final String SHARED_SECRET_HEADER = "shared-secret-header";
    public static final String ADMIN_ALLOW_FROM = "admin-allow-from";
    public static final String ADMIN_SECRET = "admin-secret";
    /**
     * How callers prove who they are: {@code shared-secret} (the default of owning modes, and of any
     * profile with a {@code shared-secret}) or {@code none} (an owning profile's explicit opt-out).
     */
    public static final String CALLER_AUTH = "caller-auth";
    /** Not per profile: the Terracotta server holding the clustered tier ({@code terracotta://host:port/entity}). */
    public static final String CLUSTER_URI = "cluster-uri";
    /** The server's offheap resource the clustered pools are carved from. */
    public static final String CLUSTER_RESOURCE = "cluster-resource";
    /** Server-side pool of each profile's clustered token cache. */
    public static final String CLUSTER_POOL_SIZE = "cluster-pool-size";
    public static final String CLUSTER_READ_TIMEOUT = "cluster-read-timeout";
    public static final String CLUSTER_WRITE_TIMEOUT = "cluster-write-timeout";
    public static final String CLUSTER_CONNECTION_TIMEOUT = "cluster-connection-timeout";
    /** Pause between attempts to rebuild the clustered tier while the server is unreachable. */
    public static final String CLUSTER_RETRY_INTERVAL = "cluster-retry-interval";
    /** Not per profile: the byte budget of every profile's cached entries on this node's heap. */
    public static final String MAX_CACHE_BYTES = "max-cache-bytes";
    /** Not per profile: the byte budget of the exchange profiles' cached entries, apart from {@link #MAX_CACHE_BYTES}. */
    public static final String MAX_EXCHANGE_CACHE_BYTES = "max-exchange-cache-bytes";
    /** Not per profile: request bodies still arriving and upstream answers being received, together. */
    public static final String MAX_BYTES_IN_FLIGHT = "max-bytes-in-flight";
    /** The keys that seal the clustered tier's entries (required with {@code cluster-uri}), re-read when it changes. */
    public static final String CLUSTER_KEY_FILE = "cluster-key-file";
    /** {@code true}: share tokens through the cluster in clear, without {@code cluster-key-file}. */
    public static final String CLUSTER_UNSEALED = "cluster-unsealed";
    public static final String REQUEST_BODY_TIMEOUT = "request-body-timeout";
    /** Local port of the loopback-only connector; token calls arriving on any other port are refused. */
    public static final String TOKEN_PORT = "token-port";
    /** Consecutive failed upstream calls, none covered by a stale token, after which health says DOWN. */
    public static final String HEALTH_DOWN_AFTER = "health-down-after";

    /** How the loopback authenticates to the token endpoint: none (transparent, default) or an owning mode. */
    public static final String CLIENT_AUTH = "client-auth";
    public static final String CLIENT_ID = "client-id";
    public static final String CLIENT_SECRET = "client-secret";
    /** A file holding the client secret, re-read when it changes. */
    public static final String CLIENT_SECRET_FILE = "client-secret-file";
    /** private_key_jwt: PKCS#12, PEM (PKCS#8) or JWK file with the signing key, re-read when it changes. */
    public static final String CLIENT_KEY_FILE = "client-key-file";
    public static final String CLIENT_KEY_PASSWORD = "client-key-password";
    public static final String CLIENT_KEY_ID = "client-key-id";
    public static final String CLIENT_KEY_ALG = "client-key-alg";
    public static final String ASSERTION_LIFETIME = "assertion-lifetime";
    /** private_key_jwt without a key: a platform-issued JWT (workload identity) sent as is, re-read when it changes. */
    public static final String CLIENT_ASSERTION_FILE = "client-assertion-file";
    /** The {@code client_assertion_type} sent with {@code client-assertion-file}; an absolute URI. */
    public static final String CLIENT_ASSERTION_TYPE = "client-assertion-type";
    /** tls_client_auth: PKCS#12 key store with the client certificate and its key. */
    public static final String KEY_STORE = "key-store";
    public static final String KEY_STORE_PASSWORD = "key-store-password";
    /** CAs the upstream's TLS certificate is checked against (any mode); JVM defaults when unset. */
    public static final String TRUST_STORE = "trust-store";
    public static final String TRUST_STORE_PASSWORD = "trust-store-password";
    public static final String GRANT_TYPE = "grant-type";
    /** Owning modes: defaults for callers that send no scope / resource (RFC 8707) / audience. */
    public static final String SCOPE = "scope";
    public static final String RESOURCE = "resource";
    public static final String AUDIENCE = "audience";
    /** Owning modes: the most a caller may ask for; default the profile's own scope / resource / audience. */
    public static final String ALLOWED_SCOPES = "allowed-scopes";
    public static final String ALLOWED_RESOURCES = "allowed-resources";
    public static final String ALLOWED_AUDIENCES = "allowed-audiences";

    /** Exchange profiles (grant-type token exchange or jwt-bearer on-behalf-of): how subject tokens are checked. */
    public static final String SUBJECT_ISSUER = "subject-issuer";
    public static final String SUBJECT_AUDIENCE = "subject-audience";
    public static final String SUBJECT_JWKS_URL = "subject-jwks-url";
    public static final String MAX_SUBJECT_LIFETIME = "max-subject-lifetime";
    public static final String EXCHANGE_RATE_LIMIT = "exchange-rate-limit";
    public static final String SUBJECT_NEGATIVE_TTL = "subject-negative-ttl";
    /** Exchange profiles: the {@code aud} a back-channel logout token must hold (the client users log in to). */
    public static final String LOGOUT_AUDIENCE = "logout-audience";

    /** Not per profile: at most one admin evict-all ({@code DELETE admin/entries}) per profile in this interval. */
    public static final String EVICT_ALL_INTERVAL = "evict-all-interval";

    /** Not per profile: the list of named profiles, and an optional properties file. */
    public static final String PROFILES = "profiles";
    public static final String CONFIG_FILE = "config-file";

    /** DPoP (RFC 9449): see docs/dpop.md. */
    public static final String DPOP = "dpop";
    public static final String DPOP_ALGS = "dpop-algs";
    public static final String DPOP_PROOF_MAX_AGE = "dpop-proof-max-age";
    public static final String DPOP_REPLAY_MEMORY = "dpop-replay-memory";

    public static final String PREFIX = "loopback.";
    public static final String ENV_PREFIX = "LOOPBACK_";
    public static final String DEFAULT_PROFILE = "default";

    static final Set<String> PER_PROFILE = Set.of(UPSTREAM_URL, TTL, TTI, EXPIRY_SKEW, REFRESH_AHEAD, KEY,
            KEY_HEADERS, METHODS, PASS_METHODS, MAX_ENTRIES, CONNECT_TIMEOUT, READ_TIMEOUT, MAX_REQUEST_BYTES,
            MAX_RESPONSE_BYTES, MAX_TOKEN_LENGTH, MIN_REFRESH_INTERVAL, ALLOW_FROM, SHARED_SECRET, SHARED_SECRET_HEADER,
            CALLER_AUTH,
            ADMIN_ALLOW_FROM, ADMIN_SECRET, REQUEST_BODY_TIMEOUT, TOKEN_PORT, HEALTH_DOWN_AFTER,
            CLIENT_AUTH, CLIENT_ID, CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_KEY_FILE, CLIENT_KEY_PASSWORD,
            CLIENT_KEY_ID, CLIENT_KEY_ALG, ASSERTION_LIFETIME, CLIENT_ASSERTION_FILE, CLIENT_ASSERTION_TYPE, KEY_STORE,
            KEY_STORE_PASSWORD, TRUST_STORE,
            TRUST_STORE_PASSWORD, GRANT_TYPE, SCOPE, RESOURCE, AUDIENCE, ALLOWED_SCOPES, ALLOWED_RESOURCES,
            ALLOWED_AUDIENCES, SUBJECT_ISSUER, SUBJECT_AUDIENCE, SUBJECT_JWKS_URL, MAX_SUBJECT_LIFETIME,
            EXCHANGE_RATE_LIMIT, SUBJECT_NEGATIVE_TTL, LOGOUT_AUDIENCE, DPOP, DPOP_ALGS, DPOP_PROOF_MAX_AGE, DPOP_REPLAY_MEMORY);

    static final Set<String> GLOBAL = Set.of(PROFILES, CONFIG_FILE, EVICT_ALL_INTERVAL, MAX_CACHE_BYTES, MAX_BYTES_IN_FLIGHT,
            MAX_EXCHANGE_CACHE_BYTES,
            CLUSTER_URI, CLUSTER_RESOURCE, CLUSTER_POOL_SIZE, CLUSTER_READ_TIMEOUT, CLUSTER_WRITE_TIMEOUT,
            CLUSTER_CONNECTION_TIMEOUT, CLUSTER_RETRY_INTERVAL, CLUSTER_KEY_FILE, CLUSTER_UNSEALED);

    /** The memory settings: one budget per web app, shared by its profiles, never per profile. */
    static final java.util.List<String> MEMORY = java.util.List.of(MAX_CACHE_BYTES, MAX_BYTES_IN_FLIGHT,
            MAX_EXCHANGE_CACHE_BYTES);

    /** The clustered tier's settings: one set per web app, never per profile. */
    static final java.util.List<String> CLUSTER = java.util.List.of(CLUSTER_URI, CLUSTER_RESOURCE, CLUSTER_POOL_SIZE,
            CLUSTER_READ_TIMEOUT, CLUSTER_WRITE_TIMEOUT, CLUSTER_CONNECTION_TIMEOUT, CLUSTER_RETRY_INTERVAL,
            CLUSTER_KEY_FILE, CLUSTER_UNSEALED);

    /**
     * Settings that hold for the whole web app, whichever profile a request names: the admin views'
     * guard (the admin views serve every profile), the port token calls are answered on (one
     * connector), the clustered tier. Written {@code loopback.<name>} only; a
     * {@code loopback.<profile>.<name>} would look like it applied to one profile, so it fails
     * deployment instead of being read and ignored.
     */
    static final java.util.List<String> WEB_APP_WIDE = java.util.List.of(ADMIN_ALLOW_FROM, ADMIN_SECRET, TOKEN_PORT,
            EVICT_ALL_INTERVAL,
            CLUSTER_URI, CLUSTER_RESOURCE, CLUSTER_POOL_SIZE, CLUSTER_READ_TIMEOUT, CLUSTER_WRITE_TIMEOUT,
            CLUSTER_CONNECTION_TIMEOUT, CLUSTER_RETRY_INTERVAL, CLUSTER_KEY_FILE, CLUSTER_UNSEALED);

    /** Values never shown in messages or logs. */
    static final Set<String> SECRETS = Set.of(SHARED_SECRET, ADMIN_SECRET, CLIENT_SECRET, CLIENT_KEY_PASSWORD,
            KEY_STORE_PASSWORD, TRUST_STORE_PASSWORD);

    private SettingNames() {
    }

    static boolean isSecret(String name) {
        return SECRETS.contains(name);
    }
}
