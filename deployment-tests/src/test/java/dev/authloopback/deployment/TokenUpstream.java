package dev.authloopback.deployment;

import java.net.InetAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/** The real OAuth2 server behind the loopback (mock-oauth2-server), counting token requests. */
final class TokenUpstream implements AutoCloseable {

    static final String ISSUER = "default";

    private final MockOAuth2Server server = new MockOAuth2Server();
    private int tokenRequests;
    private boolean closed;

    TokenUpstream() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    URI tokenUrl() {
        return server.tokenEndpointUrl(ISSUER).uri();
    }

    /** Token requests received so far (each one issued a token). */
    synchronized int tokenRequests() {
        while (true) {
            RecordedRequest request;
            try {
                request = server.takeRequest(200, TimeUnit.MILLISECONDS);
            } catch (RuntimeException noMoreRequests) {
                return tokenRequests;
            }
            if (request == null) {
                return tokenRequests;
            }
            if (request.getPath() != null && request.getPath().endsWith("/token")) {
                tokenRequests++;
            }
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
