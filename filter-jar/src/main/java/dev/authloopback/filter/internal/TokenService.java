package dev.authloopback.filter.internal;

import dev.authloopback.filter.DpopProofSigner;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.function.UnaryOperator;

/**
 * What the servlet filter and the JAX-RS client filter share: validated settings, the loopback
 * client (owned: closed by {@link #close()}) and the near cache when {@code local-ttl} is on.
 */
public final class TokenService implements TokenSource, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final FilterSettings settings;
    private final LoopbackTokenClient client;
    private final TokenSource source;
    private final UnaryOperator<String> paramLabel;
    private final FilterTracing tracing;
    private final boolean nearCache;
    /** On-behalf-of mode only ({@code null} otherwise): exchanged tokens by user token. */
    private final OnBehalfOfCache users;
    /**
     * On-behalf-of mode: the user token of the request this thread is serving, so outbound calls made
     * on it ({@code BearerTokenClientFilter}) carry that user's exchanged token. Per instance, not static.
     */
    private final ThreadLocal<String> currentUser = new ThreadLocal<>();
    private final Clock clock;

    /** Failures name params as {@code init-param <name>} (web.xml, or {@code create(Map)}). */
    public TokenService(FilterSettings settings, Clock clock) {
        this(settings, clock, name -> "init-param " + name);
    }

    /**
     * @param paramLabel how a param is named in failure details and log lines, e.g.
     *                   {@code token-url -> context-param bearer-token.token-url}
     */
    public TokenService(FilterSettings settings, Clock clock, UnaryOperator<String> paramLabel) {
        this(settings, clock, paramLabel, FilterTracing.detect(TokenService.class.getClassLoader()));
    }

    /** @param tracing the business app's tracing: {@link FilterTracing#detect} or {@link FilterTracing#NONE} */
    public TokenService(FilterSettings settings, Clock clock, UnaryOperator<String> paramLabel, FilterTracing tracing) {
        if (paramLabel == null) {
            throw new IllegalArgumentException("paramLabel must not be null");
        }
        if (tracing == null) {
            throw new IllegalArgumentException("tracing must not be null");
        }
        this.paramLabel = paramLabel;
        this.clock = clock;
        this.settings = settings;
        this.tracing = tracing;
        this.client = new LoopbackTokenClient(settings, clock, tracing::inject);
        TokenSource traced = tracing.fetches(client, settings.tokenMethod(), settings.tokenUrl());
        this.nearCache = !settings.localTtl().isZero();
        this.source = nearCache ? new NearCache(traced, settings.localTtl(), clock) : traced;
        this.users = settings.onBehalfOf()
                ? new OnBehalfOfCache(settings.onBehalfOfCacheBytes(), settings.localTtl(), clock) : null;
    }

    /**
     * On-behalf-of mode: the user this thread serves from now until {@link #restore}.
     *
     * @return the user bound before, by an outer pass of the same request through the filter (a
     *         FORWARD or INCLUDE it is mapped for too), or {@code null}: hand it to {@link #restore}
     */
    public String bind(String userToken) {
        String previous = currentUser.get();
        currentUser.set(userToken);
        return previous;
    }

    /** Ends a {@link #bind}: the outer pass's user is bound again, so its own outbound calls still act for it. */
    public void restore(String previous) {
        if (previous == null) {
            currentUser.remove();
        } else {
            currentUser.set(previous);
        }
    }

    /** On-behalf-of mode: the exchanged token for this user token (near cache, else the loopback). */
    public Token tokenFor(String userToken) throws TokenUnavailableException {
        String key = users.keyOf(userToken);
        tracing.servingFromNearCache();
        Token cached = users.get(key);
        if (cached != null) {
            return cached;
        }
        try {
            // The exchange is a fetch like any other: one client span, traceparent to the loopback.
            Token token = tracing.fetches(new TokenSource() {
                @Override
                public Token token() throws TokenUnavailableException {
                    return client.tokenFor(userToken);
                }

                @Override
                public void evict(Token refused) {
                    client.evictFor(userToken, refused);
                }
            }, settings.tokenMethod(), settings.tokenUrl()).token();
            users.put(key, token, UserToken.expiresAt(userToken));
            return token;
        } catch (TokenUnavailableException e) {
            TokenUnavailableException explained = e.withContext(
                    settings.tokenMethod() + " " + settings.safeTokenUrl(), paramLabel);
            LOG.log(Level.WARNING, "No exchanged token: {0} ({1})", explained.detail(), explained.kind());
            throw explained;
        }
    }

    /** On-behalf-of mode: the near cache's entries and bytes, for tests and sizing. */
    public OnBehalfOfCache onBehalfOfCache() {
        return users;
    }

    public FilterSettings settings() {
        return settings;
    }

    /**
     * The proof signer for calls made with {@code token}, when it is DPoP-bound (RFC 9449);
     * {@code null} for a Bearer token.
     */
    public DpopProofSigner signerFor(Token token) {
        return token.dpop() && settings.dpopKey() != null
                ? DpopProofSigner.of(settings.dpopKey(), client.nonces(), clock, token.value()) : null;
    }

    @Override
    public Token token() throws TokenUnavailableException {
        if (users != null) {
            // Never a service token in on-behalf-of mode: no user, no token.
            String user = currentUser.get();
            if (user == null) {
                throw TokenUnavailableException.malformed("on-behalf-of: this thread serves no request with a user"
                        + " token (outbound calls must be made on the request's thread)");
            }
            return tokenFor(user);
        }
        if (nearCache) {
            tracing.servingFromNearCache();
        }
        try {
            return source.token();
        } catch (TokenUnavailableException e) {
            // The operator reading this (or the problem answer built from it) must learn where the
            // filter asked and which param to change, not only what went wrong.
            TokenUnavailableException explained = e.withContext(
                    settings.tokenMethod() + " " + settings.safeTokenUrl(), paramLabel);
            LOG.log(Level.WARNING, "No token: {0} ({1})", explained.detail(), explained.kind());
            throw explained;
        }
    }

    /** Called when a token was refused with 401: drops it locally and, if enabled, at the loopback. */
    @Override
    public void evict(Token refused) {
        if (!settings.evictOn401()) {
            return;
        }
        if (users != null) {
            String user = currentUser.get();
            if (user != null) {
                // Only this user's entry, here and at the loopback; other users keep theirs.
                users.evict(users.keyOf(user), refused);
                client.evictFor(user, refused);
            }
            return;
        }
        source.evict(refused);
    }

    @Override
    public void close() {
        client.close();
    }
}
