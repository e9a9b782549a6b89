package dev.authloopback.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The filter's on-behalf-of mode against a fake loopback that answers tok-N per token request. */
class OnBehalfOfModeTest {
    private FakeLoopback loopback;
    private BusinessApp app;
    private Map<String, String> params;

    @BeforeEach
    void start() throws Exception {
        loopback = new FakeLoopback();
        Map<String, String> params = new HashMap<>();
        params.put(BearerTokenFilter.TOKEN_URL_PARAM, loopback.url().toString());
        params.put(BearerTokenFilter.TOKEN_BODY_PARAM, "audience=orders-api");
        params.put(BearerTokenFilter.ON_BEHALF_OF_PARAM, "true");
        this.params = params;
        app = new BusinessApp(params);
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        loopback.close();
    }

    @Test
    void requestWithoutUserTokenGets401AndNoTokenIsAskedFor() throws Exception {
        HttpResponse<String> response = app.get("/echo");
        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.body().contains("user-token-required"), response.body());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(0, loopback.requests.size(), "never a service token");
        assertEquals(0, app.chainCalls.get());
        assertEquals(401, app.get("/echo", "Authorization", "Basic dXNlcjpwdw==").statusCode());
    }

    @Test
    void userTokenIsExchangedPerUserAndTheInboundAuthorizationIsKept() throws Exception {
        HttpResponse<String> alice = app.get("/echo", "Authorization", "Bearer alice-token");
        assertEquals(200, alice.statusCode(), alice.body());
        Map<String, String> seen = BusinessApp.echoed(alice);
        assertEquals("Bearer alice-token", seen.get("header"), "the inbound Authorization is not replaced");
        assertEquals("tok-1", seen.get("attribute"), alice.body());
        assertEquals("audience=orders-api&subject_token=alice-token", loopback.lastTokenRequest().body());
        // near cache: alice again costs no loopback call; bob gets his own
        assertEquals("tok-1", BusinessApp.echoed(app.get("/echo", "Authorization", "Bearer alice-token")).get("attribute"));
        assertEquals("tok-2", BusinessApp.echoed(app.get("/echo", "Authorization", "Bearer bob-token")).get("attribute"));
        assertEquals(2, loopback.requests.size());
    }

    @Test
    void downstream401EvictsOnlyThatUsersEntry() throws Exception {
        app.get("/echo", "Authorization", "Bearer bob-token");
        assertEquals(401, app.get("/deny", "Authorization", "Bearer alice-token").statusCode());
        assertTrue(loopback.awaitDeletes(1, Duration.ofSeconds(5)), "one conditional eviction");
        assertEquals("audience=orders-api&subject_token=alice-token", loopback.deletes().get(0).body());
        int before = loopback.requests.size();
        assertEquals("tok-1", BusinessApp.echoed(app.get("/echo", "Authorization", "Bearer bob-token")).get("attribute"),
                "bob's entry stays");
        assertEquals(before, loopback.requests.size());
    }

    @Test
    void aNestedPassOfTheSameRequestLeavesItsUserBoundForTheRestOfTheOuterOne() throws Exception {
        try (dev.authloopback.filter.internal.TokenService service = new dev.authloopback.filter.internal.TokenService(
                dev.authloopback.filter.internal.FilterSettings.from(params,
                        dev.authloopback.filter.internal.Placeholders.system()), java.time.Clock.systemUTC())) {
            String outer = service.bind("alice-token");
            // The filter again on a FORWARD or INCLUDE of the same request, on the same thread.
            String inner = service.bind("alice-token");
            service.restore(inner);

            assertEquals("tok-1", service.token().value(), "outbound calls after the forward still act for alice");
            service.restore(outer);
            org.junit.jupiter.api.Assertions.assertThrows(dev.authloopback.filter.internal.TokenUnavailableException.class, service::token,
                    "no user once the request's outer pass ended");
        }
    }
}
