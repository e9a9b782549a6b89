package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.VerifyingTokenEndpoint;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, found by a hostile local user, on the real WAR: one unauthenticated loop of
 * {@code DELETE admin/entries} no longer empties every node of a cluster (one evict-all per
 * {@code evict-all-interval}, cluster-wide; 429 with {@code Retry-After} sooner); the admin views are
 * guarded by the {@code shared-secret} when no {@code admin-secret} is set; and a client secret file
 * caught half written is never sent to the IdP.
 */
class AdminAndCredentialFilesIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=ops&client_secret=ops-secret";
    private static final String SHARED_SECRET = "loopback-shared-secret-0123456789";
    private static final String CLIENT_ID = "orders-service";
    private static final String OLD_SECRET = "old-client-secret-4f1d9a77c2";
    private static final String NEW_SECRET = "new-client-secret-8b02e6d13f";

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private Http.Answer evictAll(URI base) {
        return http.send(HttpRequest.newBuilder(base).DELETE());
    }

    @Test
    void aSecondEvictAllWithinTheIntervalIs429WithRetryAfterAndTheCacheKeepsServing() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            Http.Answer first = evictAll(loopback.url("/admin/entries"));
            Http.Answer miss = http.post(loopback.tokenUrl(), FORM, BODY);
            Http.Answer second = evictAll(loopback.url("/admin/entries"));
            Http.Answer hit = http.post(loopback.tokenUrl(), FORM, BODY);
            Supplier<String> message = () -> String.join("\n", "first: " + first, "miss: " + miss,
                    "second: " + second, "hit: " + hit);

            assertEquals(204, first.status(), message);
            assertEquals(429, second.status(), message);
            assertEquals("application/problem+json", second.header("Content-Type"), message);
            assertTrue(second.body().contains("evict-all-too-soon"), message);
            long retryAfter = Long.parseLong(second.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 10, message);
            assertEquals("HIT", hit.header("X-Loopback-Cache"), message);
            assertEquals(1, upstream.callCount(), message);
        }
    }

    /**
     * Two nodes of one cluster (a real Terracotta server from the kit): the claim lives in the
     * clustered tier, so the second node's evict-all within the interval is refused too, and the
     * entry the first node stored stays a hit on both; once the interval has passed (the nodes' clock
     * moved on) the second node may evict all again.
     */
    @Test
    void aClusterAllowsOneEvictAllPerIntervalWhicheverNodeIsAsked() {
        MutableClock clock = MutableClock.startingNow();
        try (TerracottaServer terracotta = TerracottaServer.fromKit().start();
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer one = clusterNode(terracotta, upstream, clock,
                     ClusterKeyFiles.oneKey(terracotta.directory().resolve("cluster.keys")));
             LoopbackServer two = clusterNode(terracotta, upstream, clock,
                     terracotta.directory().resolve("cluster.keys"))) {
            Http.Answer evictedOnOne = evictAll(one.url("/admin/entries"));
            Http.Answer missOnOne = http.post(one.tokenUrl(), FORM, BODY);
            clock.advance(Duration.ofSeconds(3));
            Http.Answer refusedOnTwo = evictAll(two.url("/admin/entries"));
            Http.Answer hitOnTwo = http.post(two.tokenUrl(), FORM, BODY);
            clock.advance(Duration.ofSeconds(7));
            Http.Answer evictedOnTwo = evictAll(two.url("/admin/entries"));
            Http.Answer refusedOnOne = evictAll(one.url("/admin/entries"));
            Supplier<String> message = () -> String.join("\n", "evicted on one: " + evictedOnOne,
                    "miss on one: " + missOnOne, "refused on two: " + refusedOnTwo, "hit on two: " + hitOnTwo,
                    "evicted on two: " + evictedOnTwo, "refused on one: " + refusedOnOne,
                    "upstream: " + upstream.calls());

            assertEquals(204, evictedOnOne.status(), message);
            assertEquals("MISS", missOnOne.header("X-Loopback-Cache"), message);
            assertEquals(429, refusedOnTwo.status(), message);
            assertEquals("7", refusedOnTwo.header("Retry-After"), message);
            assertEquals("HIT", hitOnTwo.header("X-Loopback-Cache"), message);
            assertEquals(204, evictedOnTwo.status(), message);
            assertEquals(429, refusedOnOne.status(), message);
            assertEquals("10", refusedOnOne.header("Retry-After"), message);
            assertEquals(1, upstream.callCount(), message);
        }
    }

    private static LoopbackServer clusterNode(TerracottaServer terracotta, FaultyUpstream upstream, MutableClock clock,
                                             Path keys) {
        return LoopbackServer.builder().upstream(upstream.tokenUrl()).clock(clock)
                .setting("cluster-uri", terracotta.uri("auth-loopback"))
                .setting("cluster-key-file", keys)
                .setting("cluster-pool-size", "8MiB")
                .setting("cluster-connection-timeout", "5s")
                .setting("evict-all-interval", "10s").start();
    }

    /**
     * With a {@code shared-secret} and no {@code admin-secret}, the admin views (on the loopback and on
     * the admin connector Prometheus scrapes) ask for the shared secret, as {@code Authorization: Bearer}
     * or {@code X-Loopback-Admin-Secret}; the caller header alone does not open them.
     */
    @Test
    void withASharedSecretSetTheAdminViewsAreRefusedWithoutIt() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).adminConnector()
                     .setting("shared-secret", SHARED_SECRET).start()) {
            Http.Answer health = http.get(loopback.url("/admin/health"));
            Http.Answer metricsOnAdmin = http.get(loopback.adminUrl("/admin/metrics"));
            Http.Answer evict = evictAll(loopback.url("/admin/entries"));
            Http.Answer callerHeader = http.send(HttpRequest.newBuilder(loopback.url("/admin/stats"))
                    .header("X-Loopback-Secret", SHARED_SECRET));
            Http.Answer scrape = http.send(HttpRequest.newBuilder(loopback.adminUrl("/admin/metrics"))
                    .header("Authorization", "Bearer " + SHARED_SECRET));
            Http.Answer adminHeader = http.send(HttpRequest.newBuilder(loopback.url("/admin/health"))
                    .header("X-Loopback-Admin-Secret", SHARED_SECRET));
            Supplier<String> message = () -> String.join("\n", "health: " + health, "metrics on admin: "
                    + metricsOnAdmin, "evict-all: " + evict, "caller header: " + callerHeader, "scrape: "
                    + scrape.status(), "admin header: " + adminHeader);

            for (Http.Answer refused : List.of(health, metricsOnAdmin, evict, callerHeader)) {
                assertEquals(401, refused.status(), message);
                assertEquals("application/problem+json", refused.header("Content-Type"), message);
                assertFalse(refused.body().contains(SHARED_SECRET), message);
            }
            assertEquals(200, scrape.status(), message);
            assertTrue(scrape.body().contains("loopback_answers_total"), message);
            assertEquals(200, adminHeader.status(), message);
        }
    }

    /**
     * A secret file is caught half written twice (truncated to nothing, then NUL-padded the way a
     * preallocating writer or a crash leaves it), then a complete new secret is renamed into place.
     * The IdP ({@link VerifyingTokenEndpoint}) records every {@code client_secret} it is sent: only the
     * old and the new secret ever arrive, health names the refused file meanwhile, and the complete
     * file is used by the next upstream call.
     */
    @Test
    void aHalfWrittenSecretFileIsNeverSentUpstream() throws Exception {
        Path secretFile = Files.writeString(dir.resolve("client-secret"), OLD_SECRET + "\n");
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.clientSecretPost(CLIENT_ID, OLD_SECRET);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl())
                     .setting("client-auth", "client_secret_post").setting("client-id", CLIENT_ID)
                     .setting("client-secret-file", secretFile)
                     // Not what this test is about: any local caller, scopes a to d.
                     .setting("caller-auth", "none").setting("allowed-scopes", "a b c d").start()) {
            Http.Answer before = http.post(loopback.tokenUrl(), FORM, "scope=a");

            changeInPlace(secretFile, new byte[0], 5_000);
            Http.Answer truncated = http.post(loopback.tokenUrl(), FORM, "scope=b");
            byte[] padded = new byte[NEW_SECRET.length() + 1];
            byte[] prefix = NEW_SECRET.substring(0, 11).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(prefix, 0, padded, 0, prefix.length);
            changeInPlace(secretFile, padded, 10_000);
            Http.Answer halfWritten = http.post(loopback.tokenUrl(), FORM, "scope=c");
            JsonNode healthWhileHalfWritten = json.readTree(http.get(loopback.url("/admin/health")).body());

            idp.acceptSecret(NEW_SECRET);
            Path next = Files.writeString(dir.resolve(".client-secret.tmp"), NEW_SECRET + "\n");
            Files.move(next, secretFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Http.Answer complete = http.post(loopback.tokenUrl(), FORM, "scope=d");
            JsonNode healthAfter = json.readTree(http.get(loopback.url("/admin/health")).body());

            List<VerifyingTokenEndpoint.Call> calls = idp.calls();
            List<String> sent = calls.stream().map(call -> call.field("client_secret")).toList();
            String message = String.join("\n", "before: " + before, "truncated: " + truncated, "half written: "
                    + halfWritten, "health meanwhile: " + healthWhileHalfWritten, "complete: " + complete,
                    "health after: " + healthAfter, "upstream calls: " + calls, "refusals: " + idp.refusals());
            assertAll(
                    () -> assertEquals(List.of(200, 200, 200, 200), List.of(before.status(), truncated.status(),
                            halfWritten.status(), complete.status()), message),
                    () -> assertEquals(4, calls.size(), message),
                    () -> assertTrue(Set.of(OLD_SECRET, NEW_SECRET).containsAll(sent),
                            "only whole secrets reach the IdP\n" + message),
                    () -> assertEquals(List.of(OLD_SECRET, OLD_SECRET, OLD_SECRET, NEW_SECRET), sent, message),
                    () -> assertEquals(List.of(), idp.refusals(), message),
                    () -> assertEquals("DEGRADED", healthWhileHalfWritten.path("status").asText(), message),
                    () -> assertEquals("credential_file_refused",
                            healthWhileHalfWritten.at("/profiles/default/checks/credentials/reason").asText(), message),
                    () -> assertFalse(healthWhileHalfWritten.toString().contains(NEW_SECRET.substring(0, 11)), message),
                    () -> assertEquals("UP", healthAfter.path("status").asText(), message));
        }
    }

    /** What a writer that does not rename leaves for a moment; the time makes the change visible at once. */
    private static void changeInPlace(Path file, byte[] content, long ahead) throws Exception {
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + ahead));
    }
}
