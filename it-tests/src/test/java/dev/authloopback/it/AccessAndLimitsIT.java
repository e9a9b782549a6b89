package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RawHttp;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Who may call the loopback, and what it refuses to read (issue 6, "Who may call", "Request
 * limits"). Callers from 127.0.0.2 use a socket bound to that address; {@code X-Forwarded-For}
 * never changes the decision.
 */
class AccessAndLimitsIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=access&client_secret=access-secret";

    private final Http http = new Http();

    @Test
    void callerOutsideTheAllowListIs403AndXForwardedForIsNotTrusted() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("allow-from", "127.0.0.1/32").start()) {
            RawHttp.Answer from2 = RawHttp.post("127.0.0.2", loopback.tokenUrl(), FORM, BODY, Map.of());
            RawHttp.Answer spoofed = RawHttp.post("127.0.0.2", loopback.tokenUrl(), FORM, BODY,
                    Map.of("X-Forwarded-For", "127.0.0.1", "Forwarded", "for=127.0.0.1"));
            RawHttp.Answer from1 = RawHttp.post("127.0.0.1", loopback.tokenUrl(), FORM, BODY, Map.of());
            Supplier<String> message = () -> "from 127.0.0.2: " + from2 + "\nspoofed: " + spoofed + "\nfrom 127.0.0.1: " + from1;

            assertEquals(403, from2.status(), message);
            assertTrue(from2.header("Content-Type").startsWith("application/problem+json"), message);
            assertEquals(403, spoofed.status(), message);
            assertEquals(200, from1.status(), message);
            assertEquals(1, upstream.callCount(), message);
        }
    }

    @Test
    void callerInsideAMatchingAllowListIsServed() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("allow-from", "127.0.0.2/32,::1/128").start()) {
            RawHttp.Answer from2 = RawHttp.post("127.0.0.2", loopback.tokenUrl(), FORM, BODY, Map.of());
            RawHttp.Answer from1 = RawHttp.post("127.0.0.1", loopback.tokenUrl(), FORM, BODY, Map.of());
            Supplier<String> message = () -> "from 127.0.0.2: " + from2 + "\nfrom 127.0.0.1: " + from1;

            assertEquals(200, from2.status(), message);
            assertEquals(403, from1.status(), message);
        }
    }

    @Test
    void sharedSecretMissingWrongRightIs401And401And200() {
        String secret = "loopback-shared-5ecret";
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("shared-secret", secret).start()) {
            Http.Answer missing = http.post(loopback.tokenUrl(), FORM, BODY);
            Http.Answer wrong = http.post(loopback.tokenUrl(), FORM, BODY, "X-Loopback-Secret", secret + "x");
            Http.Answer right = http.post(loopback.tokenUrl(), FORM, BODY, "X-Loopback-Secret", secret);
            Supplier<String> message = () -> "missing: " + missing + "\nwrong: " + wrong + "\nright: " + right;

            assertEquals(401, missing.status(), message);
            assertEquals(401, wrong.status(), message);
            assertEquals(200, right.status(), message);
            assertTrue(!missing.body().contains(secret) && !wrong.body().contains(secret), message);
            assertEquals(1, upstream.callCount(), message);
        }
    }

    @Test
    void oneMebibyteBodyIs413QuicklyGetIs405WithAllowAndTextPlainIs415() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            String huge = BODY + "&pad=" + "x".repeat(1024 * 1024);
            long start = System.nanoTime();
            Http.Answer tooBig = http.post(loopback.tokenUrl(), FORM, huge);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Http.Answer get = http.send(HttpRequest.newBuilder(loopback.tokenUrl()).GET());
            Http.Answer text = http.post(loopback.tokenUrl(), "text/plain", "hello");
            Supplier<String> message = () -> "1 MiB: " + tooBig.status() + " " + tooBig.headers() + " in " + took.toMillis()
                    + " ms\nGET: " + get + "\ntext/plain: " + text;

            assertEquals(413, tooBig.status(), message);
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, message);
            assertEquals(405, get.status(), message);
            assertNotNull(get.header("Allow"), message);
            assertTrue(get.header("Allow").contains("POST"), message);
            assertEquals(415, text.status(), message);
            assertEquals(0, upstream.callCount(), message);
        }
    }
}
