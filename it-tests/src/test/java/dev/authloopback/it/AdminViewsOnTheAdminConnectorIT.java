package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.PrometheusText;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import java.net.http.HttpRequest;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The admin exposure (docs/operations.md): the same loopback.war context is also served on a
 * second connector, where an operator's Prometheus scrapes metrics, stats and health; token calls,
 * evictions and evict-all arriving there get 404 because {@code token-port} names the loopback
 * connector. Decided by the socket's local port: no header changes it. Everything binds 127.0.0.1
 * here, so the allow-lists pass and only the port guard can refuse.
 */
class AdminViewsOnTheAdminConnectorIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=ops&client_secret=ops-secret";
    private static final String ADMIN_SECRET = "prometheus-scrape-secret-0123456789";

    private final Http http = new Http();

    @Test
    void adminViewsAnswerOnTheAdminConnectorAndTheTokenApiDoesNot() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).adminConnector().start()) {
            Http.Answer token = http.post(loopback.tokenUrl(), FORM, BODY);
            Http.Answer metrics = http.get(loopback.adminUrl("/admin/metrics"));
            Http.Answer stats = http.get(loopback.adminUrl("/admin/stats"));
            Http.Answer health = http.get(loopback.adminUrl("/admin/health"));
            Http.Answer ready = http.get(loopback.adminUrl("/admin/health/ready"));
            Http.Answer live = http.get(loopback.adminUrl("/admin/health/live"));
            Http.Answer tokenOnAdmin = http.post(loopback.adminUrl(""), FORM, BODY);
            Http.Answer profileTokenOnAdmin = http.post(loopback.adminUrl("/other"), FORM, BODY);
            Http.Answer evictOnAdmin = http.send(HttpRequest.newBuilder(loopback.adminUrl("")).header("Content-Type", FORM)
                    .header("If-Match", String.valueOf(token.header("ETag")))
                    .method("DELETE", HttpRequest.BodyPublishers.ofString(BODY)));
            Http.Answer evictAllOnAdmin = http.send(HttpRequest.newBuilder(loopback.adminUrl("/admin/entries")).DELETE());
            Http.Answer tokenAgain = http.post(loopback.tokenUrl(), FORM, BODY);
            Supplier<String> message = () -> String.join("\n", "token: " + token, "metrics: " + metrics.status(),
                    "stats: " + stats.status(), "health: " + health, "token on admin: " + tokenOnAdmin,
                    "profile token on admin: " + profileTokenOnAdmin, "evict on admin: " + evictOnAdmin,
                    "evict-all on admin: " + evictAllOnAdmin, "token again: " + tokenAgain);

            assertEquals(200, token.status(), message);
            assertEquals(200, metrics.status(), message);
            assertEquals(1, PrometheusText.parse(metrics.body())
                    .value("loopback_answers_total", "profile", "default", "cache", "MISS"), message);
            assertEquals(200, stats.status(), message);
            assertEquals(200, health.status(), message);
            assertEquals(200, ready.status(), message);
            assertEquals(200, live.status(), message);
            for (Http.Answer refused : new Http.Answer[] {tokenOnAdmin, profileTokenOnAdmin, evictOnAdmin, evictAllOnAdmin}) {
                assertEquals(404, refused.status(), message);
                assertEquals("application/problem+json", refused.header("Content-Type"), message);
                assertTrue(!refused.body().contains("access_token"), message);
            }
            assertEquals("HIT", tokenAgain.header("X-Loopback-Cache"), message);
            assertEquals(1, upstream.callCount(), message);
        }
    }

    @Test
    void withAnAdminSecretPrometheusMayScrapeWithABearerTokenOrTheHeader() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).adminConnector()
                     .setting("admin-secret", ADMIN_SECRET).start()) {
            Http.Answer none = http.get(loopback.adminUrl("/admin/metrics"));
            Http.Answer wrong = http.send(HttpRequest.newBuilder(loopback.adminUrl("/admin/metrics"))
                    .header("Authorization", "Bearer not-the-secret-at-all-000000"));
            Http.Answer bearer = http.send(HttpRequest.newBuilder(loopback.adminUrl("/admin/metrics"))
                    .header("Authorization", "Bearer " + ADMIN_SECRET));
            Http.Answer header = http.send(HttpRequest.newBuilder(loopback.adminUrl("/admin/health"))
                    .header("X-Loopback-Admin-Secret", ADMIN_SECRET));
            Supplier<String> message = () -> String.join("\n", "none: " + none, "wrong: " + wrong,
                    "bearer: " + bearer.status(), "header: " + header);

            assertEquals(401, none.status(), message);
            assertEquals(401, wrong.status(), message);
            assertEquals(200, bearer.status(), message);
            assertEquals(200, header.status(), message);
        }
    }
}
