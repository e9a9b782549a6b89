package dev.authloopback.testsupport.oauth2;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * The real OAuth2 server of the scenarios: {@code no.nav.security:mock-oauth2-server} on
 * 127.0.0.1 and a free port. Its client_credentials grant issues signed JWTs carrying
 * {@code jti} and {@code iat}. The token endpoint behind the embedded loopback (it-tests) and
 * behind the standalone servers (deployment-tests) alike.
 *
 * <p>Counting: the library records every HTTP request it received (OkHttp MockWebServer's
 * request queue, before the answer is written); {@link #tokenRequests()} drains that queue and
 * counts the POSTs to the token endpoint, so a count read after the caller got its answer is
 * exact.
 *
 * <p>A module that uses it declares {@code mock-oauth2-server} itself, with the
 * {@code jackson-annotations} its Jackson 3 needs (see it-tests' pom).
 */
public final class OAuth2Upstream implements AutoCloseable {

    public static final String ISSUER = "default";

    private final MockOAuth2Server server = new MockOAuth2Server();
    private final List<RecordedRequest> seen = new ArrayList<>();
    private final String tokenPath;
    private boolean closed;

    public OAuth2Upstream() {
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("resolving 127.0.0.1", e);
        }
        tokenPath = server.tokenEndpointUrl(ISSUER).encodedPath();
    }

    /** The token endpoint, e.g. {@code http://127.0.0.1:41234/default/token}. */
    public URI tokenUrl() {
        return URI.create(server.tokenEndpointUrl(ISSUER).toString());
    }

    /** Token requests served since start (any grant, any answer). */
    public synchronized int tokenRequests() {
        drain();
        return (int) seen.stream()
                .filter(r -> "POST".equals(r.getMethod()))
                .filter(r -> r.getRequestUrl() != null && tokenPath.equals(r.getRequestUrl().encodedPath()))
                .count();
    }

    private void drain() {
        while (true) {
            RecordedRequest next;
            try {
                next = server.takeRequest(1, TimeUnit.MILLISECONDS);
            } catch (RuntimeException emptyQueue) {
                return; // the library signals "nothing within timeout" with an exception
            }
            if (next == null) {
                return;
            }
            seen.add(next);
        }
    }

    /** Shuts the OAuth2 server down; from then on its port refuses connections. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.shutdown();
        }
    }
}
