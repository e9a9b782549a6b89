package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.LoopbackServer.Exchange;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.http.RecordingBackend.Seen;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A token revoked upstream (issue 4, "Revocation"): the backend answers 401 for it, the filter sends
 * the loopback a conditional DELETE, and the next request carries a new token; never more than one
 * new token however many requests saw the 401, and a late DELETE never throws away the new token.
 */
class RevocationIT {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Http http = new Http();

    /** The sample app's token request, as its web.xml builds it from the failsafe system properties. */
    private static String sampleTokenBody() {
        return "grant_type=client_credentials&client_id=" + System.getProperty("sample.client-id")
                + "&client_secret=" + System.getProperty("sample.client-secret") + "&scope=backend";
    }

    @Test
    void backend401EvictsTheEntryAndTheNextRequestCarriesANewToken() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            Http.Answer first = http.get(app.forwardUrl());
            backend.reject(backend.seen().get(0).token(), 1);
            Http.Answer refused = http.get(app.forwardUrl());
            Http.Answer next = http.get(app.forwardUrl());
            Supplier<String> message = () -> "first: " + first + "\nrefused: " + refused + "\nnext: " + next
                    + "\nbackend: " + backend.seen() + "\nloopback: " + loopback.exchanges();

            assertEquals(200, first.status(), message);
            assertEquals(401, refused.status(), message);
            assertEquals(200, next.status(), message);
            List<Seen> seen = backend.seen();
            assertEquals(seen.get(0).jti(), seen.get(1).jti(), message);
            assertNotNull(seen.get(2).jti(), message);
            assertNotEquals(seen.get(1).jti(), seen.get(2).jti(), message);
            assertEquals(2, oauth2.tokenRequests(), message);
            assertEquals(1, loopback.awaitExchanges(e -> "DELETE".equals(e.method()) && e.status() == 204, 1, WAIT).size(),
                    message);
        }
    }

    @Test
    void fiftyConcurrent401sForOneOldTokenMakeOneEvictionAndOneNewToken() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            Http.Answer warmUp = http.get(app.forwardUrl());
            String old = backend.seen().get(0).token();
            backend.reject(old, Integer.MAX_VALUE); // revoked for good: every request carrying it gets 401

            Herd.Outcome herd = Herd.run(50, TIMEOUT, i -> http.get(app.forwardUrl()));
            Http.Answer after = http.get(app.forwardUrl());
            List<Exchange> evictions = loopback.awaitExchanges(e -> "DELETE".equals(e.method()), 1, WAIT);
            Supplier<String> message = () -> "warm-up: " + warmUp + "\nafter: " + after + "\nherd statuses: "
                    + herd.answers().stream().map(Http.Answer::status).collect(Collectors.groupingBy(s -> s, Collectors.counting()))
                    + "\nevictions: " + evictions + "\nbackend: " + backend.seen();

            Set<String> tokens = backend.seen().stream().map(Seen::token).collect(Collectors.toSet());
            assertEquals(2, tokens.size(), message);
            assertEquals(2, oauth2.tokenRequests(), message);
            assertEquals(1, evictions.stream().filter(e -> e.status() == 204).count(), message);
            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 200 || a.status() == 401), message);
            assertEquals(200, after.status(), message);
            assertNotEquals(old, backend.seen().get(backend.seen().size() - 1).token(), message);
        }
    }

    @Test
    void lateDeleteCarryingTheOldEtagAfterRenewalIs412AndTheNewTokenStays() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl()).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url()).start()) {

            // The filter's own token request: same body, Content-Type and Accept (all part of the key).
            String form = "application/x-www-form-urlencoded";
            Http.Answer old = http.post(loopback.tokenUrl(), form, sampleTokenBody(), "Accept", "application/json");
            backend.reject(tokenOf(old), 1);
            Http.Answer refused = http.get(app.forwardUrl()); // the filter evicts the old token
            Http.Answer renewed = http.post(loopback.tokenUrl(), form, sampleTokenBody(), "Accept", "application/json");
            Http.Answer lateDelete = http.send(HttpRequest.newBuilder(loopback.tokenUrl())
                    .header("Content-Type", form)
                    .header("Accept", "application/json")
                    .header("If-Match", old.header("ETag"))
                    .method("DELETE", HttpRequest.BodyPublishers.ofString(sampleTokenBody())));
            Http.Answer still = http.post(loopback.tokenUrl(), form, sampleTokenBody(), "Accept", "application/json");
            Supplier<String> message = () -> "old: " + old.status() + " " + old.header("ETag") + "\nrefused: " + refused
                    + "\nrenewed: " + renewed.status() + " " + renewed.header("X-Loopback-Cache") + " " + renewed.header("ETag")
                    + "\nlate DELETE: " + lateDelete + "\nstill: " + still.status() + " " + still.header("X-Loopback-Cache")
                    + "\nloopback: " + loopback.exchanges();

            assertNotNull(old.header("ETag"), message);
            assertEquals(401, refused.status(), message);
            assertEquals("MISS", renewed.header("X-Loopback-Cache"), message);
            assertNotEquals(old.header("ETag"), renewed.header("ETag"), message);
            assertEquals(412, lateDelete.status(), message);
            assertEquals("HIT", still.header("X-Loopback-Cache"), message);
            assertEquals(renewed.header("ETag"), still.header("ETag"), message);
            assertEquals(2, oauth2.tokenRequests(), message);
        }
    }

    private static String tokenOf(Http.Answer answer) {
        String body = answer.body();
        int start = body.indexOf("\"access_token\"");
        int open = body.indexOf('"', body.indexOf(':', start) + 1);
        return body.substring(open + 1, body.indexOf('"', open + 1));
    }
}
