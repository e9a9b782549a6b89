package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which profile answers which path, as {@code RequestTarget} reads it for the servlet filters and the
 * token servlet alike: {@code ""} and {@code /} are the default profile, {@code /{name}} a named one,
 * and an unknown name or any deeper path (a trailing slash included) is a 404 given under the default
 * profile's rules.
 */
class RequestRoutingTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials";

    private final CountingUpstream first = new CountingUpstream();
    private final CountingUpstream second = new CountingUpstream();
    private LoopbackTestServer loopback;

    RequestRoutingTest() throws Exception {
    }

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        first.close();
        second.close();
    }

    @Test
    void eachPathShapeIsAnsweredByTheProfileItNamesOrIsAnUnknownProfile() throws Exception {
        loopback = new LoopbackTestServer(Map.of("upstream-url", first.url(), "profiles", "partner",
                "partner.upstream-url", second.url()), null);

        List<Executable> checks = new ArrayList<>();
        expect(checks, "", 200, "MISS", null);
        expect(checks, "/", 200, "HIT", null);
        expect(checks, "/default", 200, "HIT", null);
        expect(checks, "/partner", 200, "MISS", null);
        expect(checks, "/partner/", 404, null, "no loopback profile named '?partner?'");
        expect(checks, "/partner/more", 404, null, "no loopback profile named '?partner?more'");
        expect(checks, "/nobody", 404, null, "no loopback profile named 'nobody'");
        expect(checks, "/nobody/", 404, null, "no loopback profile named '?nobody?'");
        HttpResponse<String> live = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/health/live")).build());
        checks.add(() -> assertEquals(200, live.statusCode(), () -> "/admin/health/live: " + live.body()));
        assertAll(checks);
        assertEquals(1, first.calls(), "the default profile's upstream, once");
        assertEquals(1, second.calls(), "the partner profile's upstream, once");
    }

    @Test
    void aPathThatNamesNoProfileIsGuardedByTheDefaultProfilesAllowList() throws Exception {
        loopback = new LoopbackTestServer(Map.of("upstream-url", first.url(), "profiles", "partner",
                "partner.upstream-url", second.url(), "partner.allow-from", "10.0.0.0/8"), null);

        List<Executable> checks = new ArrayList<>();
        expect(checks, "/partner", 403, null, "address 127.0.0.1 is not in the allow-list of this loopback");
        expect(checks, "/partner/more", 404, null, "no loopback profile named '?partner?more'");
        expect(checks, "/nobody", 404, null, "no loopback profile named 'nobody'");
        assertAll(checks);
        assertEquals(0, second.calls(), "the partner profile's upstream is never asked");
    }

    private void expect(List<Executable> checks, String path, int status, String cache, String detail)
            throws Exception {
        HttpResponse<String> answer = loopback.post(path, FORM, BODY);
        String seen = "POST /loopback" + path + ": " + answer.statusCode() + " " + answer.headers().map() + " "
                + answer.body();
        checks.add(() -> assertEquals(status, answer.statusCode(), seen));
        if (cache != null) {
            checks.add(() -> assertEquals(cache, answer.headers().firstValue("X-Loopback-Cache").orElse(null), seen));
        }
        if (detail != null) {
            checks.add(() -> assertEquals(detail, answer.body().replaceAll(".*\"detail\":\"([^\"]*)\".*", "$1"), seen));
        }
    }
}
