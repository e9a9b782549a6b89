package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.LogCapture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Everything the filter logs at the finest level, across success, 401 eviction and failure, holds no secret. */
class NoSecretsInFilterLogsTest {

    private static final String SECRET = "hunter2-client-secret";
    private static final String BASIC = "Basic b3JkZXJzOmh1bnRlcjI=";

    private LogCapture logs;
    private FakeLoopback loopback;
    private BusinessApp app;

    @BeforeEach
    void capture() throws Exception {
        logs = LogCapture.start(Level.ALL, "dev.authloopback.filter");
        loopback = new FakeLoopback();
    }

    @AfterEach
    void release() throws Exception {
        if (app != null) {
            app.close();
        }
        loopback.close();
        logs.close();
    }

    @Test
    void noTokenSecretBodyOrAuthorizationValueIsLogged() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials&client_secret=" + SECRET);
        p.put(TOKEN_HEADERS_PARAM, "Authorization: " + BASIC);
        p.put(LOCAL_TTL_PARAM, "1h");
        app = new BusinessApp(p);

        assertEquals(200, app.get("/echo").statusCode());
        assertEquals(401, app.get("/deny").statusCode());
        loopback.sameToken = true;
        assertEquals(401, app.get("/deny").statusCode());
        assertEquals(401, app.get("/deny").statusCode());
        loopback.mode = FakeLoopback.Mode.SERVER_ERROR;
        assertEquals(502, app.get("/echo").statusCode());
        loopback.mode = FakeLoopback.Mode.GARBAGE;
        assertEquals(503, app.get("/echo").statusCode());
        app.close();
        app = null;

        String all = logs.text();
        assertTrue(all.contains("Bearer token filter bearer-token"), "the effective configuration is logged: " + all);
        assertTrue(all.contains("eviction answered HTTP 204"), all);
        Set<String> secrets = Set.of(SECRET, BASIC, "b3JkZXJzOmh1bnRlcjI=", "tok-1", "tok-2", "etag-1", "etag-2", "client_secret");
        List<String> leaks = secrets.stream().filter(all::contains).collect(Collectors.toList());
        assertEquals(List.of(), leaks, all);
    }
}
