package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.LoopbackServer.Exchange;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.http.RecordingBackend.Seen;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import dev.authloopback.testsupport.scenario.PatternProof;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The write-up's proof, with real parts: sample-app.war (BearerTokenFilter in web.xml) calls
 * loopback.war, which fronts a real OAuth2 server (mock-oauth2-server, client_credentials, signed
 * JWTs); the backend records the tokens it receives.
 *
 * <pre>
 * client -> sample-app [BearerTokenFilter] -> loopback.war -> OAuth2 server
 *                      -> backend (records Authorization, decodes jti/iat)
 * </pre>
 *
 * <p>The scenario itself (two requests, one upstream token, the same token at the backend) is
 * test-support's {@link PatternProof}, which deployment-tests runs on standalone Jetty and WildFly;
 * this IT adds what the embedded server shows: the loopback's MISS and HIT, and the JWT's jti/iat.
 */
class PatternProofIT {

    private static final Duration LOG_WAIT = Duration.ofSeconds(5);

    private final Http http = new Http();

    @Test
    void twoRequestsWithColdCacheThenMissThenHitAndTheBackendSeesOneIdenticalToken() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             // The hop to the loopback on every request is what this proves: near cache off.
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("local-ttl", "0").start()) {

            PatternProof.Outcome proof = new PatternProof("embedded Jetty", http).twoBusinessRequestsShareOneUpstreamToken(
                    app.forwardUrl(), backend, oauth2::tokenRequests, () -> "loopback: " + loopback.exchanges());
            Supplier<String> both = () -> proof + "\nloopback: " + loopback.exchanges();

            List<String> cacheStates = loopback.awaitExchanges(Exchange::isTokenCall, 2, LOG_WAIT).stream()
                    .map(Exchange::cache).toList();
            assertEquals(List.of("MISS", "HIT"), cacheStates, both);

            List<Seen> seen = proof.seen();
            assertNotNull(seen.get(0).jti(), both);
            assertNotNull(seen.get(0).iat(), both);
            assertEquals(seen.get(0).jti(), seen.get(1).jti(), both);
            assertEquals(seen.get(0).iat(), seen.get(1).iat(), both);

            System.out.printf("PatternProofIT (after, token-url = loopback): cold MISS TTFB %d ms, warm HIT TTFB %d ms,"
                            + " OAuth2 token calls %d, jti %s%n",
                    proof.first().ttfb().toMillis(), proof.second().ttfb().toMillis(), oauth2.tokenRequests(),
                    seen.get(0).jti());
        }
    }

    @Test
    void sameAppPointedStraightAtTheOAuth2ServerWorksAndPaysOneTokenCallPerRequest() {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             // "before": the only difference to the test above is token-url.
             SampleAppServer app = SampleAppServer.builder().tokenUrl(oauth2.tokenUrl()).backendUrl(backend.url())
                     .filterParam("local-ttl", "0").start()) {

            Http.Answer first = http.get(app.forwardUrl());
            Http.Answer second = http.get(app.forwardUrl());
            Supplier<String> both = () -> "first: " + first + "\nsecond: " + second + "\nbackend: " + backend.seen();

            assertEquals(200, first.status(), both);
            assertEquals(200, second.status(), both);
            List<Seen> seen = backend.seen();
            assertEquals(2, seen.size(), both);
            assertNotNull(seen.get(0).jti(), both);
            assertNotEquals(seen.get(0).jti(), seen.get(1).jti(), both);
            assertEquals(2, oauth2.tokenRequests(), both);

            System.out.printf("PatternProofIT (before, token-url = OAuth2 server): request 1 TTFB %d ms, request 2 TTFB %d ms,"
                            + " OAuth2 token calls %d%n",
                    first.ttfb().toMillis(), second.ttfb().toMillis(), oauth2.tokenRequests());
        }
    }

    @Test
    void withTheDefaultNearCacheTheSecondRequestDoesNotLeaveTheBusinessApp() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            PatternProof.Outcome proof = new PatternProof("embedded Jetty", http).twoBusinessRequestsShareOneUpstreamToken(
                    app.forwardUrl(), backend, oauth2::tokenRequests, () -> "loopback: " + loopback.exchanges());

            List<String> cacheStates = loopback.awaitExchanges(Exchange::isTokenCall, 1, LOG_WAIT).stream()
                    .map(Exchange::cache).toList();
            assertEquals(List.of("MISS"), cacheStates, () -> proof + "\nloopback: " + loopback.exchanges());
        }
    }
}
