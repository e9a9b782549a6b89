package dev.authloopback.testsupport.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.http.RecordingBackend.Seen;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The write-up's proof, the same wherever the pieces run: a business app whose
 * {@code BearerTokenFilter} asks the loopback is called twice; both answers are 200, the backend
 * sees both requests carry one and the same bearer token, and the OAuth2 server behind the
 * loopback issued exactly one token. it-tests runs it on embedded Jetty ({@code PatternProofIT}),
 * deployment-tests on standalone Jetty and WildFly.
 *
 * <pre>
 * client -> business app [BearerTokenFilter] -> loopback.war -> OAuth2 server
 *                        -> backend (records Authorization)
 * </pre>
 *
 * <p>How the loopback shows its MISS then HIT differs by server (an embedded server's request
 * log, a standalone server's log file), so the caller checks that part with what it has, as it
 * does anything more it knows of the token (e.g. the JWT's {@code jti}).
 */
public final class PatternProof {

    private final String server;
    private final Http http;

    /**
     * @param server names where it runs, in every assertion message (e.g. "WildFly")
     * @param http   the caller of the business app
     */
    public PatternProof(String server, Http http) {
        this.server = Objects.requireNonNull(server, "server");
        this.http = Objects.requireNonNull(http, "http");
    }

    /** The two business answers and what the backend saw, for the caller's own checks. */
    public record Outcome(Http.Answer first, Http.Answer second, List<Seen> seen) {
        @Override
        public String toString() {
            return "first: " + first + "\nsecond: " + second + "\nbackend: " + seen;
        }
    }

    /**
     * Two GETs of {@code businessUrl}, then the checks above.
     *
     * @param upstreamTokenRequests token requests the OAuth2 server has served so far (none before)
     * @param context               more to show in a failure message, e.g. the loopback's log
     */
    public Outcome twoBusinessRequestsShareOneUpstreamToken(URI businessUrl, RecordingBackend backend,
                                                           IntSupplier upstreamTokenRequests, Supplier<String> context) {
        Http.Answer first = http.get(businessUrl);
        Http.Answer second = http.get(businessUrl);
        List<Seen> seen = backend.seen();
        Outcome outcome = new Outcome(first, second, seen);
        Supplier<String> both = () -> server + ": GET " + businessUrl + " twice\n" + outcome + "\n" + context.get();

        assertEquals(200, first.status(), both);
        assertEquals(200, second.status(), both);
        assertEquals(2, seen.size(), both);
        String token = seen.get(0).token();
        assertTrue(token != null && !token.isEmpty(), () -> "the backend saw no bearer token; " + both.get());
        assertEquals(token, seen.get(1).token(), () -> "the backend saw two different tokens; " + both.get());
        assertEquals(1, upstreamTokenRequests.getAsInt(),
                () -> "the OAuth2 server should have issued one token; " + both.get());
        return outcome;
    }
}
