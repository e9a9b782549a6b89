package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.HEADER_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_VALUE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_CONTENT_TYPE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_METHOD_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BearerTokenFilterTest {

    private static final String SYS_PROPERTY = "authloopback.filter.test.client";

    private FakeLoopback loopback;
    private BusinessApp app;

    @BeforeEach
    void startLoopback() throws Exception {
        loopback = new FakeLoopback();
    }

    @AfterEach
    void stopAll() throws Exception {
        System.clearProperty(SYS_PROPERTY);
        if (app != null) {
            app.close();
        }
        loopback.close();
    }

    private Map<String, String> params() {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials");
        return p;
    }

    @Test
    void injectedHeaderIsVisibleThroughGetHeaderGetHeadersAndGetHeaderNames() throws Exception {
        app = new BusinessApp(params());

        HttpResponse<String> response = app.get("/echo");

        Map<String, String> seen = BusinessApp.echoed(response);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("Bearer tok-1", seen.get("header"), response.body());
        assertEquals("Bearer tok-1", seen.get("headerLower"), response.body());
        assertEquals("[Bearer tok-1]", seen.get("headers"), response.body());
        assertEquals("[Authorization]", seen.get("names"), response.body());
    }

    @Test
    void attributeHoldsTheRawToken() throws Exception {
        app = new BusinessApp(params());

        HttpResponse<String> response = app.get("/echo");

        assertEquals("tok-1", BusinessApp.echoed(response).get("attribute"), response.body());
    }

    @Test
    void clientSuppliedAuthorizationIsReplacedNotMerged() throws Exception {
        app = new BusinessApp(params());

        HttpResponse<String> response = app.get("/echo", "authorization", "Basic Y2xpZW50OnNlY3JldA==");

        Map<String, String> seen = BusinessApp.echoed(response);
        assertEquals("[Bearer tok-1]", seen.get("headers"), response.body());
        assertEquals("[Authorization]", seen.get("names"), response.body());
    }

    @Test
    void customHeaderAndValueTemplateAreUsed() throws Exception {
        Map<String, String> p = params();
        p.put(HEADER_PARAM, "X-Api-Token");
        p.put(HEADER_VALUE_PARAM, "Token {token}");
        app = new BusinessApp(p);

        HttpResponse<String> response = app.get("/echo", "Authorization", "Basic abc");

        Map<String, String> seen = BusinessApp.echoed(response);
        assertEquals("Token tok-1", seen.get("custom"), response.body());
        assertEquals("Basic abc", seen.get("header"), "other headers pass unchanged: " + response.body());
    }

    @Test
    void tokenRequestCarriesMethodBodyContentTypeAndHeadersWithEnvAndSysSubstitution() throws Exception {
        System.setProperty(SYS_PROPERTY, "orders-app");
        Map<String, String> p = params();
        p.put(TOKEN_METHOD_PARAM, "PUT");
        p.put(TOKEN_BODY_PARAM, "{\"path\":\"${env:PATH}\",\"literal\":\"$${env:PATH}\"}");
        p.put(TOKEN_CONTENT_TYPE_PARAM, "application/json");
        p.put(TOKEN_HEADERS_PARAM, "X-Client: ${sys:" + SYS_PROPERTY + "} | Authorization: Basic Y2xpZW50OnNlY3JldA==");
        app = new BusinessApp(p);

        HttpResponse<String> response = app.get("/echo");

        assertEquals(200, response.statusCode(), response.body());
        FakeLoopback.Recorded sent = loopback.lastTokenRequest();
        assertEquals("PUT", sent.method());
        assertEquals("{\"path\":\"" + System.getenv("PATH") + "\",\"literal\":\"${env:PATH}\"}", sent.body());
        assertEquals("application/json", sent.header("Content-Type"));
        assertEquals("application/json", sent.header("Accept"));
        assertEquals("orders-app", sent.header("X-Client"));
        assertEquals("Basic Y2xpZW50OnNlY3JldA==", sent.header("Authorization"));
    }

    @Test
    void destroyReleasesTheHttpClientThreads() throws Exception {
        Set<Thread> before = clientThreads();
        app = new BusinessApp(params());
        assertEquals(200, app.get("/echo").statusCode());
        Set<Thread> ours = clientThreads();
        ours.removeAll(before);
        assertFalse(ours.isEmpty(), "the filter's exchange deadline runs on a watchdog thread of its own");

        app.close();
        app = null;

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ours.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            for (Thread t : ours) {
                t.join(100);
            }
        }
        assertEquals(List.of(), ours.stream().filter(Thread::isAlive).map(Thread::getName).toList());
    }

    private static Set<Thread> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("bearer-token-http-"))
                .collect(Collectors.toCollection(HashSet::new));
    }

    @Test
    void defaultsSendAFormPost() throws Exception {
        app = new BusinessApp(params());

        app.get("/echo");

        FakeLoopback.Recorded sent = loopback.lastTokenRequest();
        assertEquals("POST", sent.method());
        assertEquals("grant_type=client_credentials", sent.body());
        assertEquals("application/x-www-form-urlencoded", sent.header("Content-Type"));
    }

    @Test
    void withoutNearCacheEveryRequestAsksTheLoopback() throws Exception {
        Map<String, String> p = params();
        p.put(LOCAL_TTL_PARAM, "0");
        app = new BusinessApp(p);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = app.get("/echo");
            assertEquals("Bearer tok-" + (i + 1), BusinessApp.echoed(response).get("header"), response.body());
        }

        assertEquals(3, loopback.tokenCalls.get());
    }
}
