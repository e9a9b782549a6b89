package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.cache.CacheKeys;
import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.TokenLifetime;
import dev.authloopback.loopback.cache.TokenResponseInspector;
import dev.authloopback.loopback.cache.TokenStore;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.credentials.CallerRequestRefused;
import dev.authloopback.loopback.credentials.SelectingFields;
import dev.authloopback.loopback.dpop.DpopBinding;
import dev.authloopback.loopback.exchange.ExchangeProfile;
import dev.authloopback.loopback.health.UpstreamHealth;
import dev.authloopback.loopback.memory.NoRoomInFlight;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.request.TokenRequest;
import dev.authloopback.loopback.tracing.LoopbackTracing;
import dev.authloopback.loopback.tracing.UpstreamSpan;
import dev.authloopback.loopback.upstream.UpstreamAnswer;
import dev.authloopback.loopback.upstream.UpstreamTokenClient;
import io.opentelemetry.api.trace.SpanContext;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The caching step in front of the transparent proxy, for one profile: success-only storing,
 * single flight, refresh ahead, stale-if-error and conditional eviction.
 *
 * <p>With a clustered store, single flight spans the nodes: the one request per key that leads on
 * this node asks the store for a lease before calling upstream; a node that does not get it waits
 * for the holder's entry, and takes over only once the holder's lease has ended.
 */
public final class TokenProxy {
    private final LoopbackSettings settings;
    private final TokenStore cache;
    /** This node's name in the leases it takes. */
    private final String node;
    private final UpstreamTokenClient upstream;
    private final CacheKeys keys;
    private final TokenResponseInspector inspector;
    private final TokenLifetime lifetime;
    private final Clock clock;
    private final LoopbackMetrics.ProfileMetrics metrics;
    /** Owning modes only ({@code null} when transparent): reduces a caller's request to its selecting fields. */
    private final SelectingFields selecting;
    /** Exchange profiles only ({@code null} otherwise): subject tokens checked, entries bounded by them. */
    private final ExchangeProfile exchange;
    private final SingleFlight<Fetched> flights = new SingleFlight<>();
    /** The lease step in front of the upstream call, when the store is shared with other nodes. */
    private final ClusterSingleFlight acrossNodes;
    private final RefreshAhead refreshAhead;
    /** DPoP profiles: whether an answer is bound to the proof's key before it is stored. */
    private final DpopBinding dpopBinding = new DpopBinding(new com.fasterxml.jackson.databind.ObjectMapper());
    private final LoopbackTracing tracing;

    public TokenProxy(LoopbackSettings settings, TokenStore cache, String node, UpstreamTokenClient upstream,
                      CacheKeys keys, TokenResponseInspector inspector, Clock clock, Executor refreshExecutor,
                      LoopbackMetrics.ProfileMetrics metrics, SelectingFields selecting, ExchangeProfile exchange,
                      LoopbackTracing tracing) {
        this.exchange = exchange;
        this.tracing = tracing;
        this.node = node;
        this.selecting = selecting;
        this.settings = settings;
        this.cache = cache;
        this.upstream = upstream;
        this.keys = keys;
        this.inspector = inspector;
        this.lifetime = new TokenLifetime(settings.ttl(), settings.expirySkew(), settings.refreshAhead());
        this.clock = clock;
        this.metrics = metrics;
        this.acrossNodes = new ClusterSingleFlight(cache, node, clock, settings.upstreamBudget(), tracing);
        this.refreshAhead = new RefreshAhead(settings, cache, node, clock, tracing.refreshes(refreshExecutor),
                metrics, flights,
                this::fetch, this::fetchUpstream);
    }

    public LoopbackSettings settings() {
        return settings;
    }

    /**
     * The request as this profile keys it: unchanged in transparent mode; in an owning mode reduced
     * to the fields that select a token, so the credential added per upstream call never splits the cache.
     *
     * @throws CallerRequestRefused when an owning-mode caller sent a credential or an unknown field
     */
    public TokenRequest admit(TokenRequest caller) {
        if (exchange != null) {
            return exchange.admit(caller);
        }
        return selecting == null ? caller : selecting.reduce(caller);
    }

    /** The exchange step of an exchange profile, or {@code null}. */
    public ExchangeProfile exchange() {
        return exchange;
    }

    /**
     * Exchange profiles: evicts every entry stored for a user ({@code sub}) or an IdP session
     * ({@code sid}), e.g. on back-channel logout: those this node indexed, and with a clustered store
     * those any node indexed in the cluster. Not rate-limited like a 401's eviction: the entries
     * belong to a user who has logged out, and nothing serves them again.
     *
     * @return how many entries went
     */
    public int evictSubject(String sub, String sid) {
        if (exchange == null) {
            return 0;
        }
        int evicted = 0;
        java.util.List<String> keys = new java.util.ArrayList<>(exchange.keysOf(sub, sid));
        cache.takeSubjects(ExchangeProfile.subjects(sub, sid)).stream().filter(k -> !keys.contains(k))
                .forEach(keys::add);
        for (String key : keys) {
            CachedToken entry = cache.get(key);
            if (entry != null && cache.remove(key, entry)) {
                evicted++;
            }
            RequestLog.line(settings.profile(), CacheKeys.keyId(key), "-", "EVICT(logout)", "-", -1, 204);
        }
        metrics.evicted("logout");
        return evicted;
    }

    /**
     * Outcome of one upstream call: the answer, and what the cache did with it. {@code called} is
     * false when no call was made here because another node stored the entry meanwhile.
     */
    record Fetched(UpstreamAnswer answer, CachedToken stored, String etag, String action, boolean called,
                   SpanContext upstreamSpan) {
        Fetched(UpstreamAnswer answer, CachedToken stored, String etag, String action) {
            this(answer, stored, etag, action, true, null);
        }

        /** The same outcome, naming the span of the upstream call that had it (for the callers that share it). */
        Fetched tracedBy(SpanContext span) {
            return new Fetched(answer, stored, etag, action, called, span);
        }

        /** An outcome that is a stored entry (already renewed, or stored by another node) rather than a fresh answer. */
        static Fetched ofEntry(CachedToken entry, String action, boolean called) {
            return new Fetched(new UpstreamAnswer(entry.status(), entry.contentType(), entry.body(), null, null, 0),
                    entry, entry.etag(), action, called, null);
        }
    }

    /**
     * @throws UpstreamFailure when the upstream gave no usable answer and no stale token may stand in
     */
    public TokenAnswer handle(TokenRequest request) {
        String digest = keys.digestOf(request);
        String key = keys.keyFor(request, digest);
        tracing.keyed(key);
        if (!settings.methods().contains(request.method())) {
            return bypass(request, CacheKeys.keyId(key));
        }
        long now = clock.millis();
        CachedToken entry = cache.get(key);
        if (entry != null && !entry.requestDigest().equals(digest)) {
            RequestLog.warn("profile=" + settings.profile() + " key=" + CacheKeys.keyId(key) + ": stored entry was"
                    + " filled by a different request (other credentials or body); not served, refetching");
            entry = null;
        }
        if (entry != null && entry.isFreshAt(now)) {
            if (entry.wantsRefreshAt(now)) {
                refreshAhead.start(request, key, digest, CacheKeys.keyId(key), now);
            }
            // The key id (a second hash) is only worked out when the DEBUG line is really written.
            RequestLog.hit(settings.profile(), key, entry.status());
            metrics.answered(CacheStatus.HIT);
            return fromEntry(entry, CacheStatus.HIT, now);
        }
        String keyId = CacheKeys.keyId(key);
        CachedToken staleCandidate = entry != null && entry.isValidAt(now) ? entry : null;
        SingleFlight.Result<Fetched> result;
        try {
            result = flights.run(key + "|" + digest, () -> fetch(request, key, digest), flightBudget());
        } catch (UpstreamFailure failure) {
            return staleOrThrow(failure, usableStale(staleCandidate), keyId);
        }
        Fetched fetched = result.value();
        if (!fetched.called()) {
            // Stored meanwhile: by another node while this one waited on its lease, or by the flight
            // that ended just before this one started.
            tracing.sharedFetch(fetched.upstreamSpan()); // another node's fetch, named by its lease
            RequestLog.line(settings.profile(), keyId, CacheStatus.COALESCED.name(), fetched.action(), "-", -1,
                    fetched.stored().status());
            metrics.answered(CacheStatus.COALESCED);
            return fromEntry(fetched.stored(), CacheStatus.COALESCED, clock.millis());
        }
        UpstreamAnswer answer = fetched.answer();
        CacheStatus status = result.led() ? CacheStatus.MISS : CacheStatus.COALESCED;
        if (!result.led()) {
            tracing.sharedFetch(fetched.upstreamSpan());
        }
        // Stale-if-error covers outages, not refusals: a 400/401/403 means the credentials or request
        // are wrong, and a stale token would hide that.
        if (fetched.stored() == null && UpstreamHealth.isOutage(answer.status())) {
            CachedToken stale = usableStale(staleCandidate);
            if (stale != null) {
                if (result.led()) {
                    answer.release();
                }
                return servedStale(stale, keyId, String.valueOf(answer.status()), answer.latencyMillis());
            }
        }
        RequestLog.line(settings.profile(), keyId, status.name(), result.led() ? fetched.action() : "SHARED",
                String.valueOf(answer.status()), result.led() ? answer.latencyMillis() : -1, answer.status());
        metrics.answered(status);
        // The caller that made the call writes the body back and then gives its bytes in flight back.
        return new TokenAnswer(answer.status(), answer.contentType(), answer.body(), status, -1, fetched.etag(),
                answer.retryAfter(), answer.wwwAuthenticate(), result.led() ? answer.inFlight() : null,
                answer.dpopNonce());
    }

    /**
     * Evicts the entry for this request only while it still holds the token named by {@code etag},
     * so a late 401 never throws away a token that was just renewed.
     */
    public EvictionResult evict(TokenRequest request, String etag) {
        String digest = keys.digestOf(request);
        String key = keys.keyFor(request, digest);
        String keyId = CacheKeys.keyId(key);
        EvictionResult result = evictIfCurrent(key, digest, etag);
        metrics.evicted(result.name().toLowerCase());
        RequestLog.line(settings.profile(), keyId, "-", "EVICT(" + result.name().toLowerCase() + ")", "-", -1,
                switch (result) {
                    case EVICTED -> 204;
                    case NEWER_TOKEN -> 412;
                    case ABSENT -> 404;
                    case TOO_SOON -> 429;
                });
        return result;
    }

    /**
     * The entry goes only while it still holds the refused token, and at most once per
     * min-refresh-interval per key (on every node that shares the store).
     */
    private EvictionResult evictIfCurrent(String key, String digest, String etag) {
        long now = clock.millis();
        CachedToken entry = cache.get(key);
        if (entry == null || !entry.requestDigest().equals(digest)) {
            return EvictionResult.ABSENT;
        }
        if (!entry.etag().equals(etag)) {
            return EvictionResult.NEWER_TOKEN;
        }
        if (!cache.claimEviction(key, now, settings.minRefreshInterval().toMillis())) {
            return EvictionResult.TOO_SOON;
        }
        if (cache.remove(key, entry)) {
            return EvictionResult.EVICTED;
        }
        cache.releaseEviction(key, now);
        return EvictionResult.NEWER_TOKEN;
    }

    /**
     * Admin: drops every entry of this profile, at most once per {@code interval} on every node that
     * shares the store: each evict-all turns every caller's next request into an upstream call, so
     * a loop of them would empty the cache as fast as callers fill it.
     *
     * @return 0 when the entries were dropped; otherwise the milliseconds until the next evict-all
     * is allowed (nothing was dropped)
     */
    public long evictAll(Duration interval) {
        long wait = cache.claimEvictAll(clock.millis(), interval.toMillis());
        if (wait > 0) {
            RequestLog.line(settings.profile(), "*", "-", "EVICT_ALL(too_soon)", "-", -1, 429);
            return wait;
        }
        cache.clear();
        if (exchange != null) {
            exchange.forgetAll();
        }
        refreshAhead.forgetBackOffs();
        metrics.evicted("all");
        RequestLog.line(settings.profile(), "*", "-", "EVICT_ALL", "-", -1, 204);
        return 0;
    }

    public long entries() {
        return cache.size();
    }

    private TokenAnswer bypass(TokenRequest request, String keyId) {
        Exchanged exchanged;
        try {
            exchanged = exchange(request);
        } catch (UpstreamFailure failure) {
            metrics.answered(CacheStatus.FAILED);
            RequestLog.line(settings.profile(), keyId, "BYPASS", "-", failure.kind().name(), failure.latencyMillis(),
                    failure.kind().status());
            throw failure;
        }
        UpstreamAnswer answer = exchanged.answer();
        RequestLog.line(settings.profile(), keyId, "BYPASS", "-", String.valueOf(answer.status()),
                answer.latencyMillis(), answer.status());
        metrics.answered(CacheStatus.BYPASS);
        String etag = exchanged.facts().map(TokenResponseInspector.TokenFacts::etag).orElse(null);
        return new TokenAnswer(answer.status(), answer.contentType(), answer.body(), CacheStatus.BYPASS, -1, etag,
                answer.retryAfter(), answer.wwwAuthenticate(), answer.inFlight(), answer.dpopNonce());
    }

    /**
     * How long a request may wait for the flight it joins: one upstream budget; with a shared store
     * also the lease of another node, which may end before this node calls upstream itself.
     */
    private Duration flightBudget() {
        return cache.shared() ? settings.upstreamBudget().multipliedBy(2) : settings.upstreamBudget();
    }

    /** This node's leading request for a key: alone in the cluster when the store is shared, then upstream. */
    private Fetched fetch(TokenRequest request, String key, String digest) {
        // A caller that read the cache just before the previous flight stored its answer, and started
        // this flight just after that one ended, would otherwise call upstream a second time.
        CachedToken current = cache.get(key);
        if (current != null && current.requestDigest().equals(digest) && current.isFreshAt(clock.millis())) {
            return Fetched.ofEntry(current, "SHARED(stored)", false);
        }
        if (!cache.shared()) {
            return fetchUpstream(request, key, digest);
        }
        return acrossNodes.run(key, digest, (stored, holderSpan) -> {
            metrics.leaseWaited();
            return Fetched.ofEntry(stored, "SHARED(lease)", false).tracedBy(tracing.spanOf(holderSpan));
        }, () -> fetchUpstream(request, key, digest));
    }

    /** One upstream call, in its span; stores the answer only if it is a successful token response. */
    private Fetched fetchUpstream(TokenRequest request, String key, String digest) {
        UpstreamSpan span = tracing.upstream(settings.profile(), request.method(), settings.upstreamUrl());
        try {
            Fetched fetched = fetchUpstreamUntraced(request, key, digest);
            span.answered(fetched.answer().status(), fetched.action());
            return fetched.tracedBy(span.context());
        } catch (UpstreamFailure failure) {
            span.failed(Problem.type(failure.kind().slug()));
            throw failure;
        } finally {
            span.close();
        }
    }

    private Fetched fetchUpstreamUntraced(TokenRequest request, String key, String digest) {
        Exchanged exchanged;
        try {
            exchanged = exchange(request);
        } catch (UpstreamFailure failure) {
            metrics.skipped(failure.kind().name().toLowerCase());
            throw failure;
        }
        UpstreamAnswer answer = exchanged.answer();
        if (!answer.isSuccess()) {
            metrics.skipped("status");
            return new Fetched(answer, null, null, "SKIP(status)");
        }
        Optional<TokenResponseInspector.TokenFacts> facts = exchanged.facts();
        if (facts.isEmpty()) {
            metrics.skipped("no_access_token");
            return new Fetched(answer, null, null, "SKIP(no_access_token)");
        }
        if (facts.get().expiresInInvalid()) {
            metrics.skipped("expires_in");
            return new Fetched(answer, null, facts.get().etag(), "SKIP(expires_in)");
        }
        String unbound = request.dpop() == null ? null : dpopBinding.problem(answer.body(), request.dpop().jkt());
        if (unbound != null) {
            // A token not bound to the caller's key is passed back, never stored under the key's entry.
            metrics.skipped("dpop_binding");
            return new Fetched(answer, null, facts.get().etag(), "SKIP(dpop_binding: " + unbound + ")");
        }
        long now = clock.millis();
        java.time.Duration expiresIn = facts.get().expiresIn();
        if (request.subject() != null && exchange != null) {
            // Never past the subject token, nor the exchanged one, nor max-subject-lifetime; the window
            // (fresh, valid, refresh-ahead) lies inside that, so refresh ahead never runs past either.
            expiresIn = exchange.bounded(request.subject(), expiresIn, settings.ttl(), now);
        }
        TokenLifetime.Window window = lifetime.windowFor(now, expiresIn, ThreadLocalRandom.current().nextDouble());
        CachedToken token = new CachedToken(answer.status(), answer.contentType(), answer.body(), digest,
                facts.get().etag(), now, window.freshUntil(), window.validUntil(), window.refreshFrom());
        if (!cache.put(key, token)) {
            metrics.skipped("too_large");
            return new Fetched(answer, null, token.etag(), "SKIP(too_large)");
        }
        metrics.stored();
        if (request.subject() != null && exchange != null) {
            exchange.stored(request.subject(), key, window.validUntil());
            cache.indexSubjects(ExchangeProfile.subjects(request.subject().sub(), request.subject().sid()), key,
                    window.validUntil());
        }
        return new Fetched(answer, token, token.etag(), "STORE");
    }

    /** One upstream answer and, for a 2xx, what its body says (empty: no {@code access_token} in it). */
    private record Exchanged(UpstreamAnswer answer, Optional<TokenResponseInspector.TokenFacts> facts) {
    }

    /**
     * Every upstream call goes through here, so upstream errors are counted once per call. A 2xx is
     * inspected here, once: a token that must never become a header (malformed, too long, not Bearer)
     * is an unusable answer like a broken one, counted and judged as a failure, and never passed on.
     * An answer refused for want of room in flight is the loopback's own state, not the upstream's:
     * it is counted as a refusal, and health does not hear of it.
     */
    private Exchanged exchange(TokenRequest request) {
        if (request.subject() != null && exchange != null && !exchange.mayCallUpstream()) {
            throw new UpstreamFailure(UpstreamFailure.Kind.EXCHANGE_RATE_LIMITED, "exchange-rate-limit="
                    + exchange.settings().rateLimit() + " upstream exchanges per second reached; none was made", 0);
        }
        UpstreamAnswer answer;
        try {
            answer = upstream.exchange(request);
        } catch (UpstreamFailure failure) {
            metrics.upstreamFailed(failure.kind(), failure.latencyMillis());
            throw failure;
        } catch (NoRoomInFlight busy) {
            metrics.refusedInFlight(LoopbackMetrics.SIDE_UPSTREAM_ANSWER);
            throw busy;
        }
        Optional<TokenResponseInspector.TokenFacts> facts =
                answer.isSuccess() ? inspector.inspect(answer.body()) : Optional.empty();
        TokenResponseInspector.Refusal refusal = facts.map(TokenResponseInspector.TokenFacts::refusal).orElse(null);
        if (refusal != null) {
            answer.release(); // never written back: its bytes leave flight now
            UpstreamFailure failure = new UpstreamFailure(refusal.kind(), refusal.detail(), answer.latencyMillis());
            metrics.upstreamFailed(failure.kind(), failure.latencyMillis());
            throw failure;
        }
        metrics.upstreamAnswered(answer.status(), answer.latencyMillis());
        return new Exchanged(answer, facts);
    }

    /** No answer from upstream: the old entry stands in while its token is valid, else the caller gets the failure. */
    private TokenAnswer staleOrThrow(UpstreamFailure failure, CachedToken stale, String keyId) {
        if (stale != null) {
            return servedStale(stale, keyId, failure.kind().name(), failure.latencyMillis());
        }
        RequestLog.line(settings.profile(), keyId, "MISS", "SKIP(" + failure.kind().name().toLowerCase() + ")",
                failure.kind().name(), failure.latencyMillis(), failure.kind().status());
        metrics.answered(CacheStatus.FAILED);
        throw failure;
    }

    private TokenAnswer servedStale(CachedToken stale, String keyId, String upstreamOutcome, long upstreamMillis) {
        RequestLog.line(settings.profile(), keyId, "STALE", "SERVE_STALE", upstreamOutcome, upstreamMillis,
                stale.status());
        metrics.answered(CacheStatus.STALE);
        return fromEntry(stale, CacheStatus.STALE, clock.millis());
    }

    /** The old entry may stand in only while its token is still valid (lifetime − skew). */
    private CachedToken usableStale(CachedToken candidate) {
        return candidate != null && candidate.isValidAt(clock.millis()) ? candidate : null;
    }

    private static TokenAnswer fromEntry(CachedToken entry, CacheStatus status, long now) {
        return new TokenAnswer(entry.status(), entry.contentType(), entry.body(), status, entry.ageSecondsAt(now),
                entry.etag(), null, null);
    }
}
