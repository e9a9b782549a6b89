package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.http.RecordingBackend.Seen;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The sample app's {@code /api/outbound} calls the backend with {@code ClientBuilder.newClient()}
 * (Jersey, from the embedded server's classpath) and {@code BearerTokenClientFilter}; it never
 * copies the incoming request's headers, so a bearer header at the backend came from the JAX-RS
 * client filter.
 */
class OutboundJaxRsFilterIT {

    private final Http http = new Http();

    @Test
    void jaxRsClientFilterAddsTheBearerHeaderToAnOutboundCall() {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            Http.Answer answer = http.get(app.outboundUrl());
            Supplier<String> message = () -> answer + "\nbackend: " + backend.seen() + "\nloopback: " + loopback.exchanges();

            assertEquals(200, answer.status(), message);
            List<Seen> seen = backend.seen();
            assertEquals(1, seen.size(), message);
            assertTrue(seen.get(0).authorization().startsWith("Bearer "), message);
            assertNotNull(seen.get(0).jti(), message);
            assertTrue(answer.body().contains(String.valueOf(seen.get(0).jti())), message);
            // The servlet filter on /api/* and the client filter each ask the loopback (MISS, then HIT):
            // the OAuth2 server is called once.
            assertEquals(1, oauth2.tokenRequests(), message);
        }
    }

    @Test
    void outboundCallAnswered401EvictsTheTokenAndTheNextCallCarriesANewOne() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            Http.Answer first = http.get(app.outboundUrl());
            String firstToken = backend.seen().get(0).token();
            backend.reject(firstToken, 1);
            Http.Answer revoked = http.get(app.outboundUrl());
            Http.Answer renewed = http.get(app.outboundUrl());
            Supplier<String> message = () -> "first: " + first + "\nrevoked: " + revoked + "\nrenewed: " + renewed
                    + "\nbackend: " + backend.seen() + "\nloopback: " + loopback.exchanges();

            assertEquals(200, first.status(), message);
            assertEquals(401, revoked.status(), message);
            assertEquals(200, renewed.status(), message);
            List<Seen> seen = backend.seen();
            assertEquals(3, seen.size(), message);
            assertEquals(seen.get(0).jti(), seen.get(1).jti(), message);
            assertNotEquals(seen.get(1).jti(), seen.get(2).jti(), message);
            assertEquals(2, oauth2.tokenRequests(), message);
            assertTrue(loopback.awaitExchanges(e -> "DELETE".equals(e.method()) && e.status() == 204, 1,
                    java.time.Duration.ofSeconds(5)).size() == 1, message);
        }
    }

    @Test
    void withoutAJaxRsImplementationTheOutboundCallAnswers501ProblemAndTheFilterStillWorks() {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .hideJaxRs().start()) {

            Http.Answer outbound = http.get(app.outboundUrl());
            Http.Answer forward = http.get(app.forwardUrl());
            Supplier<String> message = () -> "outbound: " + outbound + "\nforward: " + forward;

            assertEquals(501, outbound.status(), message);
            assertTrue(String.valueOf(outbound.header("Content-Type")).startsWith("application/problem+json"), message);
            assertEquals(200, forward.status(), message);
            assertTrue(backend.seen().get(0).authorization().startsWith("Bearer "), message);
        }
    }
}
