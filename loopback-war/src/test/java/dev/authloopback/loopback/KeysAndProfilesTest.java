package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeysAndProfilesTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<LogRecord> warnings = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public synchronized void publish(LogRecord record) {
            warnings.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger requestLog = Logger.getLogger("dev.authloopback.loopback.requests");

    @BeforeEach
    void captureLogs() {
        requestLog.addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        requestLog.removeHandler(capture);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        open.add(0, closeable);
        return closeable;
    }

    private static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("X-Loopback-Cache").orElse("none");
    }

    @Test
    void staticTemplateNeverServesOneCallersTokenToAnother() throws Exception {
        CountingUpstream upstream = open(new CountingUpstream());
        LoopbackTestServer loopback = open(new LoopbackTestServer(Map.of("upstream-url", upstream.url(),
                "key", "service-token-general", "refresh-ahead", "0"), new MutableClock(Instant.EPOCH)));
        String body = "grant_type=client_credentials";

        HttpResponse<String> alice1 = loopback.post("", FORM, body, "Authorization", "Basic YWxpY2U6YQ==");
        HttpResponse<String> bob1 = loopback.post("", FORM, body, "Authorization", "Basic Ym9iOmI=");
        HttpResponse<String> alice2 = loopback.post("", FORM, body, "Authorization", "Basic YWxpY2U6YQ==");
        HttpResponse<String> alice3 = loopback.post("", FORM, body, "Authorization", "Basic YWxpY2U6YQ==");

        assertNotEquals(alice1.body(), bob1.body(), "bob must not get alice's token");
        assertEquals("MISS", cache(bob1));
        assertNotEquals(bob1.body(), alice2.body(), "alice must not get bob's token");
        assertEquals("MISS", cache(alice2));
        assertEquals("HIT", cache(alice3));
        assertEquals(alice2.body(), alice3.body());
        assertTrue(warnings.stream().anyMatch(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                        && r.getMessage().contains("different request")),
                "a warning names the key id: " + warnings.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void formScopeTemplateGivesOneEntryPerScope() throws Exception {
        CountingUpstream upstream = open(new CountingUpstream());
        LoopbackTestServer loopback = open(new LoopbackTestServer(Map.of("upstream-url", upstream.url(),
                "key", "service-token-{profile}-{form:scope}", "refresh-ahead", "0"),
                new MutableClock(Instant.EPOCH)));
        HttpResponse<String> read = loopback.post("", FORM, "grant_type=client_credentials&scope=read");
        HttpResponse<String> write = loopback.post("", FORM, "grant_type=client_credentials&scope=write");
        HttpResponse<String> readAgain = loopback.post("", FORM, "scope=read&grant_type=client_credentials");
        HttpResponse<String> writeAgain = loopback.post("", FORM, "grant_type=client_credentials&scope=write");

        assertNotEquals(read.body(), write.body());
        assertEquals("HIT", cache(readAgain));
        assertEquals(read.body(), readAgain.body());
        assertEquals("HIT", cache(writeAgain));
        assertEquals(2, upstream.calls());
    }

    @Test
    void twoProfilesWithTwoUpstreamsCacheIndependently() throws Exception {
        CountingUpstream first = open(new CountingUpstream());
        CountingUpstream second = open(new CountingUpstream());
        LoopbackTestServer loopback = open(new LoopbackTestServer(Map.of(
                "upstream-url", first.url(),
                "profiles", "partner",
                "partner.upstream-url", second.url(),
                "partner.ttl", "1h"), new MutableClock(Instant.EPOCH)));
        String body = "grant_type=client_credentials";

        HttpResponse<String> a1 = loopback.post("", FORM, body);
        HttpResponse<String> b1 = loopback.post("/partner", FORM, body);
        HttpResponse<String> a2 = loopback.post("", FORM, body);
        HttpResponse<String> b2 = loopback.post("/partner", FORM, body);

        assertEquals("MISS", cache(b1), "the partner profile has its own cache");
        assertEquals("HIT", cache(a2));
        assertEquals("HIT", cache(b2));
        assertEquals(a1.body(), a2.body());
        assertEquals(b1.body(), b2.body());
        assertNotEquals(a1.body(), b1.body());
        assertEquals(1, first.calls());
        assertEquals(1, second.calls());
        HttpResponse<String> unknown = loopback.post("/nobody", FORM, body);
        assertEquals(404, unknown.statusCode());
        assertEquals("application/problem+json", unknown.headers().firstValue("Content-Type").orElse(null));
        // One problem-type namespace for the loopback and the filter jar (docs/http-contract.md).
        assertTrue(unknown.body().contains("\"type\":\"urn:authloopback:problem:unknown-profile\""), unknown.body());
    }
}
