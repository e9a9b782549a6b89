package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.rogue.MarkerGadget;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.Wars;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: whoever reaches the Terracotta port, but has no {@code cluster-key-file}, can neither
 * read, forge, replay nor plant code. Two loopback nodes share one real Terracotta server; a rogue
 * ({@code RogueClient}) runs in a JVM of its own on the WAR's own classes, attaches to the same
 * entity and caches, and does what such a process can: reads every entry, flips bits, moves values
 * between entries, writes old values back after evictions, and plants a serialized object whose
 * deserialization would leave a marker file. Every value it touched is refused (the next request is
 * a MISS or the current token) and counted; nothing it planted is ever deserialized.
 */
class SealedClusterIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CLIENT_ID = "sealed-client";
    private static final String CLIENT_SECRET = "Weak-Secret-123";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private TerracottaServer terracotta;
    private FaultyUpstream upstream;
    private Path work;
    private List<String> rogueClasspath;
    private Rogue rogue;

    @BeforeEach
    void start() throws IOException {
        terracotta = TerracottaServer.fromKit().start();
        resources.add(terracotta);
        upstream = FaultyUpstream.start();
        resources.add(upstream);
        upstream.otherwise(Answer.ok());
        work = Files.createTempDirectory("sealed-cluster-it");
        rogueClasspath = unpackWar(Wars.loopback(), work.resolve("war"));
    }

    @AfterEach
    void stop() throws Exception {
        Collections.reverse(resources);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void aProcessWithoutTheKeyCanNeitherReadForgeReplayNorPlantCode() throws Exception {
        Path keys = ClusterKeyFiles.oneKey(work.resolve("cluster.keys"));
        LoopbackServer a = node(keys);
        LoopbackServer b = node(keys);
        awaitShared(a, b);
        LogCapture logs = LogCapture.start(Level.WARNING, "dev.authloopback.loopback.cluster");
        resources.add(logs);

        // Two cached tokens, one credential in the body, the other in Authorization.
        Http.Answer alpha = post(a, "alpha");
        Http.Answer beta = post(a, "beta");
        assertEquals("HIT", post(b, "alpha").header("X-Loopback-Cache"), alpha::toString);
        assertEquals("HIT", post(b, "beta").header("X-Loopback-Cache"), beta::toString);

        // 1. Read: nothing in any name or value gives away a token, the credentials or the scopes.
        String dump = rogue("dump");
        List<String[]> entries = dump.lines().filter(l -> l.startsWith("ENTRY ")).map(l -> l.split(" ")).toList();
        assertTrue(entries.stream().filter(e -> e[1].startsWith("tokens-v2-")).count() == 2, dump);
        for (String[] entry : entries) {
            String name = entry[2];
            String value = new String(Base64.getDecoder().decode(entry[3]), StandardCharsets.ISO_8859_1);
            assertTrue(name.matches("[A-Za-z0-9_-]{43}"), () -> "an HMAC, not a readable key: " + name);
            for (String secret : List.of(accessToken(alpha), accessToken(beta), CLIENT_ID, CLIENT_SECRET,
                    Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8)),
                    "alpha", "beta", "default:", "client_credentials", "access_token")) {
                assertFalse(name.contains(secret) || value.contains(secret), () -> secret + " readable in " + entry[1]);
            }
        }

        // 2. Forge: one bit flipped in each token (in the ciphertext, then in the tag).
        for (int fromEnd : new int[] {40, 3}) {
            int calls = upstream.callCount();
            assertTrue(rogue("flip", String.valueOf(fromEnd)).contains("FLIPPED"), "nothing flipped");
            Http.Answer onB = post(b, "alpha");
            Http.Answer onA = post(a, "alpha");
            Supplier<String> message = () -> "after a flipped bit: B " + onB + "\nA " + onA + "\n" + upstream.calls();
            assertEquals("MISS", onB.header("X-Loopback-Cache"), message);
            assertEquals(upstream.issuedTokens().get(upstream.issuedTokens().size() - 1), accessToken(onB), message);
            assertEquals(accessToken(onB), accessToken(onA), message);
            assertEquals("HIT", onA.header("X-Loopback-Cache"), message);
            assertEquals(calls + 1, upstream.callCount(), message);
        }
        assertTrue(unopenable(b, "tokens", "tampered") >= 2, () -> metrics(b));

        // 3. Move: each token's value written under the other's name.
        Http.Answer alphaNow = post(a, "alpha");
        Http.Answer betaNow = post(a, "beta");
        assertTrue(rogue("swap").contains("MOVED"), "nothing moved");
        Http.Answer alphaMoved = post(b, "alpha");
        Http.Answer betaMoved = post(b, "beta");
        Supplier<String> moved = () -> "after a swap: alpha " + alphaMoved + "\nbeta " + betaMoved;
        assertEquals("MISS", alphaMoved.header("X-Loopback-Cache"), moved);
        assertEquals("MISS", betaMoved.header("X-Loopback-Cache"), moved);
        assertNotEquals(accessToken(betaNow), accessToken(alphaMoved), moved);
        assertNotEquals(accessToken(alphaNow), accessToken(betaMoved), moved);
        assertTrue(unopenable(b, "tokens", "moved") >= 2, () -> metrics(b));

        // 4. Replay after a 401 eviction: the evicted token written back is never served again.
        Http.Answer current = post(a, "alpha");
        Path saved = work.resolve("saved-tokens");
        rogue("save", saved.toString());
        Http.Answer evicted = http.send(HttpRequest.newBuilder(a.tokenUrl()).header("Content-Type", FORM)
                .header("If-Match", current.header("ETag"))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body("alpha"))));
        assertEquals(204, evicted.status(), evicted::toString);
        rogue("restore", saved.toString());
        Http.Answer replayedOnB = post(b, "alpha");
        Http.Answer replayedOnA = post(a, "alpha");
        Supplier<String> replayed = () -> "evicted " + accessToken(current) + "; then B " + replayedOnB + "\nA "
                + replayedOnA;
        assertNotEquals(accessToken(current), accessToken(replayedOnB), replayed);
        assertNotEquals(accessToken(current), accessToken(replayedOnA), replayed);
        assertTrue(unopenable(b, "tokens", "replayed") >= 1, () -> metrics(b));

        // ... and after the admin's evict-all, on the node that did not evict.
        Http.Answer beforeAll = post(a, "beta");
        rogue("save", saved.toString());
        assertEquals(204, http.send(HttpRequest.newBuilder(a.url("/admin/entries")).DELETE()).status());
        rogue("restore", saved.toString());
        Http.Answer afterAll = post(b, "beta");
        assertEquals("MISS", afterAll.header("X-Loopback-Cache"), afterAll::toString);
        assertNotEquals(accessToken(beforeAll), accessToken(afterAll), afterAll::toString);
        assertTrue(unopenable(b, "tokens", "replayed") >= 2, () -> metrics(b));

        // 5. Plant code: a serialized object whose readObject would leave a marker, as the value of
        //    every token, lease and mark. It must be live: deserialized here, it does leave one.
        Path proof = work.resolve("gadget-works");
        byte[] probe = serialize(new MarkerGadget(proof));
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(probe))) {
            in.readObject();
        }
        assertTrue(Files.exists(proof), "the gadget leaves a marker when deserialized");
        Path marker = work.resolve("gadget-ran-in-the-loopback");
        Path payload = Files.write(work.resolve("payload"), serialize(new MarkerGadget(marker)));
        assertTrue(rogue("plant", payload.toString()).contains("PLANTED"), "nothing planted");
        for (LoopbackServer node : List.of(b, a)) {
            for (String scope : List.of("alpha", "beta")) {
                Http.Answer answer = post(node, scope);
                assertEquals(200, answer.status(), answer::toString);
            }
        }
        Http.Answer evictOverPlantedMark = http.send(HttpRequest.newBuilder(b.tokenUrl()).header("Content-Type", FORM)
                .header("If-Match", post(b, "alpha").header("ETag"))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body("alpha"))));
        assertEquals(204, evictOverPlantedMark.status(), () -> "a planted mark blocks no eviction: "
                + evictOverPlantedMark);
        assertFalse(Files.exists(marker), "a planted object was deserialized by the loopback");
        assertTrue(unopenable(b, "tokens", "format") + unopenable(a, "tokens", "format") >= 2,
                () -> metrics(a) + metrics(b));

        // Counted on every read, logged once per interval per node (not per read).
        long lines = logs.linesContaining("cluster value refused").size();
        assertTrue(lines >= 1 && lines <= 2, () -> "log lines " + logs.linesContaining("cluster value refused"));
        System.out.printf("SealedClusterIT: rogue read %d entries, none readable; refused on node B: %s%n",
                entries.size(), metrics(b).lines().filter(l -> l.startsWith("loopback_cluster_unopenable_total")
                        && !l.endsWith(" 0.0")).toList());
    }

    private LoopbackServer node(Path keys) {
        LoopbackServer node = LoopbackServer.builder().upstream(upstream.tokenUrl())
                .setting("cluster-uri", terracotta.uri("auth-loopback"))
                .setting("cluster-key-file", keys)
                .setting("cluster-pool-size", "8MiB")
                // Generous: this test is about what the rogue can do, not about outages on a busy machine.
                .setting("cluster-connection-timeout", "10s")
                .setting("cluster-read-timeout", "5s")
                .setting("cluster-write-timeout", "5s")
                .start();
        resources.add(node);
        return node;
    }

    /** Both nodes share the clustered tier (a node that could not connect yet retries on its own). */
    private void awaitShared(LoopbackServer... nodes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (LoopbackServer node : nodes) {
            while (!metrics(node).contains("\nloopback_cluster_connected 1.0\n")) {
                assertTrue(System.nanoTime() < deadline, () -> "not sharing the cluster: " + metrics(node));
                Thread.sleep(100);
            }
        }
    }

    /** beta sends its client credentials in Authorization, alpha in the body. */
    private Http.Answer post(LoopbackServer node, String scope) {
        Http.Answer answer = "beta".equals(scope)
                ? http.post(node.tokenUrl(), FORM, body(scope), "Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8)))
                : http.post(node.tokenUrl(), FORM, body(scope));
        assertEquals(200, answer.status(), answer::toString);
        return answer;
    }

    private static String body(String scope) {
        return "grant_type=client_credentials&scope=" + scope
                + ("alpha".equals(scope) ? "&client_id=" + CLIENT_ID + "&client_secret=" + CLIENT_SECRET : "");
    }

    private String rogue(String... command) throws InterruptedException {
        if (rogue == null) {
            rogue = new Rogue(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", String.join(java.io.File.pathSeparator, rogueClasspath),
                    "dev.authloopback.loopback.cluster.RogueClient", terracotta.uri("auth-loopback").toString(),
                    "default"), work);
            resources.add(rogue);
        }
        return rogue.run(String.join(" ", command));
    }

    /**
     * The rogue's JVM, started once and given one command a line (attaching takes seconds; the
     * commands milliseconds). Its output, Terracotta's log lines included, is read on a thread of
     * its own; every wait is bounded.
     */
    private static final class Rogue implements AutoCloseable {
        private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);
        private final Process process;
        private final java.io.Writer in;
        private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();

        Rogue(List<String> command, Path directory) throws InterruptedException {
            try {
                process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (java.io.BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("FAILED output unreadable: " + e);
                }
                lines.add("FAILED exited");
            }, "rogue-output");
            reader.setDaemon(true);
            reader.start();
            await("READY", "attach");
        }

        String run(String command) throws InterruptedException {
            try {
                in.write(command + "\n");
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return await("DONE", command);
        }

        private String await(String end, String what) throws InterruptedException {
            StringBuilder output = new StringBuilder();
            long deadline = System.nanoTime() + COMMAND_LIMIT.toNanos();
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (line == null || line.startsWith("FAILED")) {
                    throw new AssertionError("rogue " + what + ": " + (line == null ? "no answer within "
                            + COMMAND_LIMIT : line) + "\n" + output);
                }
                if (line.equals(end)) {
                    return output.toString();
                }
                output.append(line).append('\n');
            }
        }

        @Override
        public void close() throws InterruptedException {
            try {
                in.close();
            } catch (IOException e) {
                // Gone already.
            }
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private long unopenable(LoopbackServer node, String cache, String reason) {
        String prefix = "loopback_cluster_unopenable_total{cache=\"" + cache + "\",reason=\"" + reason + "\"} ";
        return metrics(node).lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length()))).sum();
    }

    private String metrics(LoopbackServer node) {
        return http.get(node.url("/admin/metrics")).body();
    }

    private static String accessToken(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(answer.toString(), e);
        }
    }

    private static byte[] serialize(Object object) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        return bytes.toByteArray();
    }

    /**
     * The rogue's classpath: the WAR's classes and libraries (public, as anyone who has the WAR has
     * them), and this module's test classes for {@code RogueClient} itself.
     */
    private static List<String> unpackWar(Path war, Path into) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(war))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into) || entry.isDirectory()) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy(zip, target);
            }
        }
        URI testClasses;
        try {
            testClasses = SealedClusterIT.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return List.of(into.resolve("WEB-INF/classes").toString(), into.resolve("WEB-INF/lib/*").toString(),
                Path.of(testClasses).toString());
    }
}
