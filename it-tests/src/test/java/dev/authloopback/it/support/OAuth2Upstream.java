package dev.authloopback.it.support;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * The real OAuth2 server of the scenarios: {@code no.nav.security:mock-oauth2-server} on
 * 127.0.0.1 and a free port. Its client_credentials grant issues signed JWTs carrying
 * {@code jti} and {@code iat}.
 *
 * <p>Counting: the library records every HTTP request it received (OkHttp MockWebServer's
 * request queue, before the answer is written); {@link #tokenRequests()} drains that queue and
 * counts the POSTs to the token endpoint, so a count read after the caller got its answer is
 * exact.
 */
public final class OAuth2Upstream implements AutoCloseable {

    public static final String ISSUER = "default";

    private final MockOAuth2Server server = new MockOAuth2Server();
    private final List<RecordedRequest> seen = new ArrayList<>();

    public OAuth2Upstream() {
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("resolving 127.0.0.1", e);
        }
    }

    /** The token endpoint, e.g. {@code http://127.0.0.1:41234/default/token}. */
    public URI tokenUrl() {
        return URI.create(server.tokenEndpointUrl(ISSUER).toString());
    }

    /** Token requests served since start (any grant, any answer). */
    public synchronized int tokenRequests() {
        drain();
        String tokenPath = server.tokenEndpointUrl(ISSUER).encodedPath();
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
            seen.add(next);
        }
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
