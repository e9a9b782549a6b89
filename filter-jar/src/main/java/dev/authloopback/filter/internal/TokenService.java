package dev.authloopback.filter.internal;

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
        this.settings = settings;
        this.tracing = tracing;
        this.client = new LoopbackTokenClient(settings, clock, tracing::inject);
        TokenSource traced = tracing.fetches(client, settings.tokenMethod(), settings.tokenUrl());
        this.nearCache = !settings.localTtl().isZero();
        this.source = nearCache ? new NearCache(traced, settings.localTtl(), clock) : traced;
    }

    public FilterSettings settings() {
        return settings;
    }

    @Override
    public Token token() throws TokenUnavailableException {
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
        if (settings.evictOn401()) {
            source.evict(refused);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
