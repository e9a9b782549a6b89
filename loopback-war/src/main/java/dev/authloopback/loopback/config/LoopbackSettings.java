package dev.authloopback.loopback.config;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.dpop.DpopSettings;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The validated settings of one profile. Built once at start-up by {@link LoopbackConfiguration};
 * every field is already checked, so the code using it never re-validates.
 *
 * @param keyTemplate  readable key template, or {@code null} for the default digest key
 * @param sharedSecret {@code null} when callers need no shared secret
 * @param adminSecret  {@code admin-secret}, else the {@code shared-secret}; {@code null} when neither is
 *                     set and admin calls need no secret (address guard only)
 * @param maxTokenLength longest access_token stored and served, in characters ({@code max-token-length})
 * @param tokenPort    the only local port token calls are answered on, or {@link #ANY_PORT}
 * @param healthDownAfter consecutive failed upstream calls (none answered stale) that make health DOWN
 * @param clientAuth   how the loopback authenticates upstream: transparent, or an owning mode
 * @param exchange     exchange profiles only (a user's token exchanged on their behalf), else {@code null}
 * @param dpop         DPoP (RFC 9449) proofs and key-bound entries, or {@link DpopSettings#OFF}
 */
public record LoopbackSettings(
        String profile,
        URI upstreamUrl,
        Duration ttl,
        Duration tti,
        Duration expirySkew,
        double refreshAhead,
        String keyTemplate,
        List<String> keyHeaders,
        Set<String> methods,
        Set<String> passMethods,
        long maxEntries,
        Duration connectTimeout,
        Duration readTimeout,
        long maxRequestBytes,
        long maxResponseBytes,
        long maxTokenLength,
        Duration minRefreshInterval,
        AddressAllowList allowFrom,
        String sharedSecret,
        String sharedSecretHeader,
        AddressAllowList adminAllowFrom,
        String adminSecret,
        Duration requestBodyTimeout,
        int tokenPort,
        int healthDownAfter,
        ClientAuthSettings clientAuth,
        ExchangeSettings exchange,
        DpopSettings dpop) {

    public static final Duration DEFAULT_TTL = Duration.ofHours(8);
    public static final Duration DEFAULT_TTI = Duration.ofHours(8);
    public static final Duration DEFAULT_EXPIRY_SKEW = Duration.ofSeconds(60);
    public static final double DEFAULT_REFRESH_AHEAD = 0.1;
    public static final long DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    /**
     * 64 KiB: a token answer is a few KiB (a JWT with many claims rarely reaches 8 KiB); anything
     * larger is no token answer. It is also the size every cache budget is planned with
     * ({@link MemorySettings#largestEntry}), so a larger default would shrink what fits.
     */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
    /** 8 KiB: Jetty's and Tomcat's default request header limit; a longer header ends in a 431 downstream anyway. */
    public static final long DEFAULT_MAX_TOKEN_LENGTH = 8 * 1024;
    public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofSeconds(5);
    public static final String DEFAULT_SHARED_SECRET_HEADER = "X-Loopback-Secret";
    /** A token request body is a few hundred bytes from a local caller: it arrives in microseconds. */
    public static final Duration DEFAULT_REQUEST_BODY_TIMEOUT = Duration.ofSeconds(5);
    /** Slack for a coalesced waiter over the leader's own exchange budget. */
    private static final Duration WAIT_SLACK = Duration.ofSeconds(1);
    /** {@code token-port} unset: token calls are answered on whatever connector the context is on. */
    public static final int ANY_PORT = 0;
    public static final int DEFAULT_HEALTH_DOWN_AFTER = 2;

    public LoopbackSettings {
        keyHeaders = List.copyOf(keyHeaders);
        methods = Set.copyOf(methods);
        passMethods = Set.copyOf(passMethods);
    }

    /** Methods a caller may use for token requests: cached ones plus pass-through ones. */
    public boolean accepts(String method) {
        return methods.contains(method) || passMethods.contains(method);
    }

    /**
     * The one deadline of an upstream exchange: connect, send, status, headers and the whole body
     * (chunked or not) together never take longer than connect-timeout + read-timeout.
     */
    public Duration upstreamExchangeBudget() {
        return connectTimeout.plus(readTimeout);
    }

    /** Whether a token call that arrived on this local port may be answered ({@code token-port}). */
    public boolean servesTokensOn(int localPort) {
        return tokenPort == ANY_PORT || tokenPort == localPort;
    }

    /**
     * How long a caller waits for a coalesced upstream call, counted from the start of that call:
     * the leader's exchange budget plus a second of slack, so a waiter always sees the leader's own
     * outcome (answer, error or timeout) and never waits longer than the call it shares.
     */
    public Duration upstreamBudget() {
        return upstreamExchangeBudget().plus(WAIT_SLACK);
    }

    /**
     * An owning profile whose operator wrote {@code caller-auth=none}: it hands its own token to any
     * local process that can reach it, which deserves a warning at every start.
     */
    public boolean ownsTokensForAnyCaller() {
        return clientAuth.owning() && sharedSecret == null;
    }

    /** One line for the start-up log, secrets shown as {@code <masked>}. */
    public String describe() {
        return "profile=" + profile + " upstream-url=" + upstreamUrl + " ttl=" + ttl + " tti=" + tti
                + " expiry-skew=" + expirySkew + " refresh-ahead=" + refreshAhead
                + " key=" + (keyTemplate == null ? "<digest>" : keyTemplate) + " key-headers=" + keyHeaders
                + " methods=" + methods + " pass-methods=" + passMethods + " max-entries=" + maxEntries
                + " connect-timeout=" + connectTimeout + " read-timeout=" + readTimeout
                + " max-request-bytes=" + maxRequestBytes + " max-response-bytes=" + maxResponseBytes
                + " max-token-length=" + maxTokenLength
                + " min-refresh-interval=" + minRefreshInterval + " allow-from=" + allowFrom
                + " shared-secret=" + (sharedSecret == null ? "<none>" : "<masked>")
                + " caller-auth=" + (sharedSecret == null ? "none" : "shared-secret")
                + " admin-allow-from=" + adminAllowFrom
                + " admin-secret=" + (adminSecret == null ? "<none>" : "<masked>")
                + " request-body-timeout=" + requestBodyTimeout
                + " token-port=" + (tokenPort == ANY_PORT ? "<any>" : String.valueOf(tokenPort))
                + " health-down-after=" + healthDownAfter + " " + clientAuth.describe()
                + (exchange == null ? "" : " " + exchange.describe())
                + " " + dpop.describe();
    }
}
