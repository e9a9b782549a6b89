package dev.authloopback.filter.internal;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.spi.json.JsonProvider;
import dev.authloopback.filter.DpopProofSigner;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Asks the loopback (or any token endpoint) for a token: one pooled keep-alive
 * {@link TokenEndpointConnection} per instance, released by {@link #close()}. Every exchange is
 * bounded by connect-timeout + read-timeout, body included.
 */
public final class LoopbackTokenClient implements TokenSource, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final FilterSettings settings;
    private final Clock clock;
    private final TokenEndpointConnection connection;
    private final JsonProvider json = Configuration.defaultConfiguration().jsonProvider();
    private final Configuration jsonConfig = Configuration.defaultConfiguration();
    /** ETag of the last token we asked the loopback to evict: one eviction per refused token. */
    private final AtomicReference<String> lastEvictedEtag = new AtomicReference<>();
    /** The last answer parsed; racing writers are harmless (each value is complete and correct). */
    private volatile ParsedAnswer lastParsed;
    /** DPoP mode: signs the proofs of loopback calls; {@code null} otherwise. */
    private final DpopProofSigner tokenProofs;
    private final DpopNonces nonces;
    /** DPoP mode: the token endpoint's URL the loopback publishes; read at first use. */
    private volatile URI htu;

    public LoopbackTokenClient(FilterSettings settings, Clock clock) {
        this(settings, clock, headers -> { });
    }

    /** @param traceHeaders adds the trace context (W3C traceparent) to each request to the loopback */
    public LoopbackTokenClient(FilterSettings settings, Clock clock,
                               Consumer<BiConsumer<String, String>> traceHeaders) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null");
        }
        this.settings = settings;
        this.clock = clock;
        this.connection = new TokenEndpointConnection(settings, traceHeaders);
        this.nonces = new DpopNonces();
        this.tokenProofs = settings.dpopKey() == null ? null
                : DpopProofSigner.of(settings.dpopKey(), nonces, clock, null);
    }

    /** DPoP mode: the nonces servers sent, shared with outbound calls' proofs; else {@code null}. */
    public DpopNonces nonces() {
        return tokenProofs == null ? null : nonces;
    }

    @Override
    public Token token() throws TokenUnavailableException {
        TokenEndpointConnection.Answer answer = tokenProofs == null
                ? connection.exchange(settings.tokenMethod(), null)
                : withProof(settings.tokenMethod(), null);
        if (answer.status() / 100 != 2) {
            throw TokenUnavailableException.errorStatus(answer.status());
        }
        return parse(answer);
    }

    /**
     * On-behalf-of mode: the token exchanged for one user's token, sent as {@code subject_token}
     * after the configured body.
     */
    public Token tokenFor(String userToken) throws TokenUnavailableException {
        TokenEndpointConnection.Answer answer = connection.exchange(settings.tokenMethod(), null,
                subjectField(userToken));
        if (answer.status() / 100 != 2) {
            throw TokenUnavailableException.errorStatus(answer.status());
        }
        return parse(answer);
    }

    /** On-behalf-of mode: evicts that user's entry at the loopback only while it holds {@code refused}. */
    public void evictFor(String userToken, Token refused) {
        if (refused.etag() == null) {
            return;
        }
        try {
            int status = connection.exchange("DELETE", refused.etag(), subjectField(userToken)).status();
            LOG.log(Level.INFO, "{0} was refused downstream; loopback eviction of that user''s entry answered HTTP {1}",
                    refused, status);
        } catch (TokenUnavailableException e) {
            LOG.log(Level.WARNING, "{0} was refused downstream; eviction at the loopback failed: {1}",
                    refused, e.detail());
        }
    }

    private static String subjectField(String userToken) {
        return "subject_token=" + java.net.URLEncoder.encode(userToken, StandardCharsets.UTF_8);
    }

    @Override
    public void evict(Token refused) {
        String etag = refused.etag();
        if (etag == null) {
            LOG.log(Level.DEBUG, "{0} was refused; its answer had no ETag, so there is nothing to evict", refused);
            return;
        }
        if (etag.equals(lastEvictedEtag.getAndSet(etag))) {
            LOG.log(Level.DEBUG, "{0} was refused again; its eviction was already sent", refused);
            return;
        }
        // RFC 9110 §13.1.1: the loopback evicts only if the entry still holds this token, so a late 401
        // never throws away a token that was just renewed.
        try {
            int status = (tokenProofs == null ? connection.exchange("DELETE", etag) : withProof("DELETE", etag)).status();
            LOG.log(Level.INFO, "{0} was refused downstream; loopback eviction answered HTTP {1}", refused, status);
            if (status == 429 || status >= 500) {
                lastEvictedEtag.compareAndSet(etag, null); // a later 401 may try once more; still no retry loop
            }
        } catch (TokenUnavailableException e) {
            lastEvictedEtag.compareAndSet(etag, null);
            LOG.log(Level.WARNING, "{0} was refused downstream; eviction at the loopback failed: {1}",
                    refused, e.detail());
        }
    }

    /**
     * A loopback call with a fresh proof (RFC 9449 §4) for the token endpoint the loopback fronts.
     * When the upstream asks for a nonce ({@code use_dpop_nonce} with {@code DPoP-Nonce}, §8), the
     * proof is signed again with it and the call repeated once.
     */
    private TokenEndpointConnection.Answer withProof(String method, String ifMatch) throws TokenUnavailableException {
        URI target = htu();
        TokenEndpointConnection.Answer answer = connection.exchange(method, ifMatch, null,
                tokenProofs.proof("POST", target));
        nonces.remember(target, answer.dpopNonce());
        if (answer.status() == 400 && answer.dpopNonce() != null
                && new String(answer.body(), StandardCharsets.UTF_8).contains("use_dpop_nonce")) {
            answer = connection.exchange(method, ifMatch, null, tokenProofs.proof("POST", target, answer.dpopNonce()));
            nonces.remember(target, answer.dpopNonce());
        }
        return answer;
    }

    /** The {@code htu} the loopback publishes at {@code token-url/dpop}, with its current nonce. */
    private URI htu() throws TokenUnavailableException {
        URI known = htu;
        if (known != null) {
            return known;
        }
        String base = settings.tokenUrl().toString();
        URI metadata = URI.create((base.endsWith("/") ? base : base + "/") + "dpop");
        TokenEndpointConnection.Answer answer = connection.exchange("GET", null, metadata, null);
        Object document;
        try {
            document = answer.status() == 200 ? json.parse(new String(answer.body(), StandardCharsets.UTF_8)) : null;
        } catch (RuntimeException e) {
            document = null;
        }
        if (!(document instanceof Map<?, ?> map) || !(map.get("htu") instanceof String published)) {
            throw TokenUnavailableException.malformed("The loopback's DPoP metadata (GET token-url/dpop) answered HTTP "
                    + answer.status() + " without an htu; is dpop=true set on its profile?");
        }
        URI read;
        try {
            read = URI.create(published);
        } catch (IllegalArgumentException e) {
            throw TokenUnavailableException.malformed("The loopback's DPoP metadata holds an htu that is no URI");
        }
        if (map.get("nonce") instanceof String nonce) {
            nonces.remember(read, nonce);
        }
        htu = read;
        return read;
    }

    /** Closes the pooled connections and stops the watchdog thread; later calls fail as UNREACHABLE. */
    @Override
    public void close() {
        connection.close();
    }

    private Token parse(TokenEndpointConnection.Answer answer) throws TokenUnavailableException {
        // A loopback HIT answers the very bytes it stored, request after request: the JSON is parsed
        // once per distinct answer, not once per business request.
        ParsedAnswer last = lastParsed;
        ParsedAnswer parsed = last != null && Arrays.equals(last.body(), answer.body()) ? last : parseBody(answer);
        lastParsed = parsed;
        Duration remaining = null;
        if (parsed.expiresIn().isPresent()) {
            long age = seconds(answer.age()).orElse(0);
            // RFC 6749 §5.1 expires_in minus the answer's Age: a cache hit's expires_in is as old as the entry.
            remaining = Duration.ofSeconds(Math.max(0, parsed.expiresIn().getAsLong() - age));
        }
        return new Token(parsed.token(), answer.etag(), remaining, clock.instant(), parsed.dpop());
    }

    /** What the filter takes from one token answer body. */
    private record ParsedAnswer(byte[] body, String token, OptionalLong expiresIn, boolean dpop) {
    }

    private ParsedAnswer parseBody(TokenEndpointConnection.Answer answer) throws TokenUnavailableException {
        int status = answer.status();
        Object document;
        try {
            document = json.parse(new String(answer.body(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status + " with a body that is not JSON");
        }
        if (!(document instanceof Map) && !(document instanceof List)) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status + " with a body that is not a JSON object");
        }
        Object value;
        try {
            value = settings.tokenPath().read(document, jsonConfig);
        } catch (RuntimeException e) {
            value = null;
        }
        if (!(value instanceof String token) || token.isBlank()) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status
                    + " without a non-empty string at " + settings.tokenPath().getPath());
        }
        // Checked before the token can reach a header, the near cache or lastParsed: a hostile or older
        // loopback must not be able to inject header lines through this filter (issue 20).
        String problem = TokenSyntax.problemWith(token, settings.maxTokenLength());
        if (problem == null && document instanceof Map<?, ?> map && map.get("token_type") != null) {
            problem = map.get("token_type") instanceof String type
                    ? (tokenProofs != null && "dpop".equalsIgnoreCase(type) ? null : TokenSyntax.tokenTypeProblem(type))
                    : "token_type is not a string; only Bearer tokens (RFC 6750) are sent";
        }
        if (problem != null) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status
                    + " with a token that must not go into a header: " + problem);
        }
        OptionalLong expiresIn = document instanceof Map<?, ?> map ? seconds(map.get("expires_in")) : OptionalLong.empty();
        boolean dpop = tokenProofs != null && document instanceof Map<?, ?> typed
                && typed.get("token_type") instanceof String type && "dpop".equalsIgnoreCase(type);
        return new ParsedAnswer(answer.body(), token, expiresIn, dpop);
    }

    private static OptionalLong seconds(Object value) {
        if (value instanceof Number n) {
            return n.longValue() >= 0 ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
        }
        if (value instanceof String s && s.trim().matches("\\d{1,12}")) {
            return OptionalLong.of(Long.parseLong(s.trim()));
        }
        return OptionalLong.empty();
    }
}
