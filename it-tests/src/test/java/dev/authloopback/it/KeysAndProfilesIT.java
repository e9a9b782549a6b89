package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Readable key templates that stay safe, and named profiles (issue 4, "Keys", "Profiles"). */
class KeysAndProfilesIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    private static String credentials(String client, String scope) {
        return "grant_type=client_credentials&client_id=" + client + "&client_secret=" + client + "-secret&scope=" + scope;
    }

    @Test
    void staticKeyWithTwoCredentialsNeverServesOneCallerTheOthersToken() {
        try (LogCapture logs = LogCapture.start(Level.INFO, "dev.authloopback");
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("key", "service-token-general").start()) {
            List<String> alice = new ArrayList<>();
            List<String> bob = new ArrayList<>();
            List<Http.Answer> answers = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                Http.Answer a = http.post(loopback.tokenUrl(), FORM, credentials("alice", "read"));
                Http.Answer b = http.post(loopback.tokenUrl(), FORM, credentials("bob", "read"));
                answers.add(a);
                answers.add(b);
                alice.add(token(a));
                bob.add(token(b));
            }
            Supplier<String> message = () -> "answers: " + answers + "\nupstream: " + upstream.calls();

            for (String token : alice) {
                assertTrue(!bob.contains(token), message);
            }
            assertTrue(logs.contains("different request"), () -> "no warning logged:\n" + logs.text());
        }
    }

    @Test
    void formScopeTemplateKeepsOneEntryPerScope() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("key", "service-token-{form:scope}").start()) {
            Http.Answer read1 = http.post(loopback.tokenUrl(), FORM, credentials("svc", "read"));
            Http.Answer write1 = http.post(loopback.tokenUrl(), FORM, credentials("svc", "write"));
            Http.Answer read2 = http.post(loopback.tokenUrl(), FORM, credentials("svc", "read"));
            Http.Answer write2 = http.post(loopback.tokenUrl(), FORM, credentials("svc", "write"));
            Supplier<String> message = () -> List.of(read1, write1, read2, write2) + "\nupstream: " + upstream.calls();

            assertEquals(List.of("MISS", "MISS", "HIT", "HIT"), List.of(read1.header("X-Loopback-Cache"),
                    write1.header("X-Loopback-Cache"), read2.header("X-Loopback-Cache"), write2.header("X-Loopback-Cache")),
                    message);
            assertEquals(token(read1), token(read2), message);
            assertEquals(token(write1), token(write2), message);
            assertNotEquals(token(read1), token(write1), message);
            assertEquals(2, upstream.callCount(), message);
        }
    }

    @Test
    void twoProfilesWithTwoUpstreamsCacheIndependentlyAndAnUnknownProfileIs404() {
        try (FaultyUpstream first = FaultyUpstream.start();
             FaultyUpstream second = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(first.tokenUrl())
                     .setting("profiles", "alpha,beta")
                     .setting("alpha.upstream-url", first.tokenUrl())
                     .setting("beta.upstream-url", second.tokenUrl())
                     .start()) {
            String body = credentials("svc", "read");
            Http.Answer alpha1 = http.post(loopback.url("/alpha"), FORM, body);
            Http.Answer beta1 = http.post(loopback.url("/beta"), FORM, body);
            Http.Answer alpha2 = http.post(loopback.url("/alpha"), FORM, body);
            Http.Answer beta2 = http.post(loopback.url("/beta"), FORM, body);
            Http.Answer unknown = http.post(loopback.url("/gamma"), FORM, body);
            Supplier<String> message = () -> List.of(alpha1, beta1, alpha2, beta2, unknown) + "\nfirst: "
                    + first.calls() + "\nsecond: " + second.calls();

            assertEquals(List.of("MISS", "MISS", "HIT", "HIT"), List.of(alpha1.header("X-Loopback-Cache"),
                    beta1.header("X-Loopback-Cache"), alpha2.header("X-Loopback-Cache"), beta2.header("X-Loopback-Cache")),
                    message);
            assertEquals(1, first.callCount(), message);
            assertEquals(1, second.callCount(), message);
            assertNotEquals(token(alpha1), token(beta1), message);
            assertEquals(token(alpha1), token(alpha2), message);
            assertEquals(token(beta1), token(beta2), message);
            assertEquals(404, unknown.status(), message);
            assertTrue(String.valueOf(unknown.header("Content-Type")).startsWith("application/problem+json"), message);
        }
    }

    private static String token(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
