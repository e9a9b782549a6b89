package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.EVICT_ON_401_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A 401 from the chain evicts exactly the token it was given, once, conditionally; nothing is retried. */
class EvictOn401Test {

    private FakeLoopback loopback;
    private BusinessApp app;

    @BeforeEach
    void startLoopback() throws Exception {
        loopback = new FakeLoopback();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (app != null) {
            app.close();
        }
        loopback.close();
    }

    private Map<String, String> params() {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials&scope=orders");
        p.put(TOKEN_HEADERS_PARAM, "Authorization: Basic Y2xpZW50OnNlY3JldA==");
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/deny", "/deny-status"})
    void chainAnswering401SendsExactlyOneConditionalDeleteWithTheTokenRequestsBodyAndHeaders(String path) throws Exception {
        app = new BusinessApp(params());

        HttpResponse<String> response = app.get(path);

        assertEquals(401, response.statusCode(), "the 401 reaches the client unchanged: " + response.body());
        List<FakeLoopback.Recorded> deletes = loopback.deletes();
        assertEquals(1, deletes.size(), "deletes: " + deletes);
        FakeLoopback.Recorded delete = deletes.get(0);
        assertEquals("\"etag-1\"", delete.header("If-Match"), delete.toString());
        assertEquals("grant_type=client_credentials&scope=orders", delete.body());
        assertEquals("Basic Y2xpZW50OnNlY3JldA==", delete.header("Authorization"));
        assertEquals("application/x-www-form-urlencoded", delete.header("Content-Type"));
        assertEquals(1, loopback.tokenCalls.get(), "no retry: one token request");
        assertEquals(1, app.chainCalls.get(), "no retry: the chain ran once");
    }

    @Test
    void a401FromAnAsyncExchangeEvictsWhenTheExchangeCompletes() throws Exception {
        app = new BusinessApp(params());

        assertEquals(401, app.get("/deny-async").statusCode());

        // the eviction runs in the AsyncListener once the exchange completes, possibly after the client got its answer
        assertTrue(loopback.awaitDeletes(1, Duration.ofSeconds(5)), "a DELETE within 5 s");
        assertEquals(1, loopback.deleteCalls.get());
        assertEquals("\"etag-1\"", loopback.deletes().get(0).header("If-Match"));
    }

    @Test
    void theSameRefusedTokenIsEvictedOnlyOnce() throws Exception {
        loopback.sameToken = true; // the loopback keeps serving tok-1, as a late eviction (412) would leave it
        app = new BusinessApp(params());

        for (int i = 0; i < 3; i++) {
            assertEquals(401, app.get("/deny").statusCode());
        }

        assertEquals(1, loopback.deleteCalls.get());
        assertEquals(3, loopback.tokenCalls.get());
    }

    @Test
    void successfulAnswerEvictsNothing() throws Exception {
        app = new BusinessApp(params());

        assertEquals(200, app.get("/echo").statusCode());

        assertEquals(0, loopback.deleteCalls.get());
    }

    @Test
    void evictOn401FalseSendsNoDelete() throws Exception {
        Map<String, String> p = params();
        p.put(EVICT_ON_401_PARAM, "false");
        app = new BusinessApp(p);

        assertEquals(401, app.get("/deny").statusCode());

        assertEquals(0, loopback.deleteCalls.get());
    }

    @Test
    void a401DropsTheNearCacheEntrySoTheNextRequestGetsANewToken() throws Exception {
        Map<String, String> p = params();
        p.put(LOCAL_TTL_PARAM, "1h");
        app = new BusinessApp(p);

        HttpResponse<String> first = app.get("/echo");
        HttpResponse<String> cached = app.get("/echo");
        app.get("/deny");
        HttpResponse<String> after = app.get("/echo");

        assertEquals("Bearer tok-1", BusinessApp.echoed(first).get("header"), first.body());
        assertEquals("Bearer tok-1", BusinessApp.echoed(cached).get("header"), cached.body());
        assertEquals("Bearer tok-2", BusinessApp.echoed(after).get("header"), after.body());
        assertEquals(2, loopback.tokenCalls.get());
        assertEquals(1, loopback.deleteCalls.get());
    }
}
