package dev.authloopback.testsupport.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.TestPki;
import dev.authloopback.testsupport.http.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A REAL Keycloak ({@code org.keycloak:keycloak-quarkus-dist}, which Maven unpacks to the directory
 * named by system property {@value #DIST_DIR_PROPERTY}), started with the distribution's own
 * {@code bin/kc.sh start-dev} on free 127.0.0.1 ports, with {@link LoopbackRealm} imported at start
 * ({@code --import-realm}) into an in-memory database ({@code --db=dev-mem}), so every start is
 * fresh. Stopped by process id, the whole process tree, in {@link #close()}.
 *
 * <p>Everything listens on 127.0.0.1: the HTTP port, the HTTPS port when {@link #withHttps} asked
 * for one (the client certificate is requested, not required, and checked against the test CA,
 * for {@code tls_client_auth}), and the management port, where readiness is read
 * ({@code /health/ready}). The management interface stays on http even with HTTPS on.
 *
 * <p>Build-time options ({@code --db}, {@code --features}, {@code --health-enabled},
 * {@code --https-client-auth}) are the same on every start, with or without HTTPS, so Quarkus
 * augments the distribution once per unpack (about 10 s, logged) and never again.
 *
 * <p>Each server gets a directory under {@code target/keycloak-servers/} holding the realm it
 * imported and its console ({@link #console()}), which every failure message names. The import
 * directory is the distribution's own {@code data/import}, so one server runs per unpacked
 * distribution at a time (a lock file says so at once instead of importing a stranger's realm).
 *
 * <p>{@link #tokenCalls(String)} counts token calls the way Keycloak itself saw them: its stored
 * {@code CLIENT_LOGIN} and {@code CLIENT_LOGIN_ERROR} events, read through the admin REST API
 * as {@value LoopbackRealm#EVENTS_CLIENT} (realm-management {@code view-events}).
 */
public final class KeycloakServer implements AutoCloseable {

    /** Where Maven unpacked the distribution (or the distribution's own top directory). */
    public static final String DIST_DIR_PROPERTY = "keycloak.dist.dir";
    /** Preview features the SPIFFE client needs: federated client authentication and the SPIFFE identity provider. */
    public static final String FEATURES = "client-auth-federated,spiffe";

    private static final String HOST = "127.0.0.1";
    // The first start after an unpack augments (~10 s) before the ~13 s boot on 2 idle cores; CI is slower.
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final int START_ATTEMPTS = 3;
    private static final String IMPORT_FILE = LoopbackRealm.NAME + "-realm.json";

    private final Path home;
    private final Path directory;
    private final LoopbackRealm realm;
    private final TestPki https;
    private final Http http = new Http(Duration.ofSeconds(10));
    private final ObjectMapper json = new ObjectMapper();
    private final Thread killOnExit = new Thread(this::killQuietly, "keycloak-kill-on-exit");
    private FileChannel lockChannel;
    private FileLock lock;
    private Process process;
    private int httpPort;
    private int httpsPort;
    private int managementPort;
    private int attempt;
    private Duration startedIn;
    private boolean augmented;

    private KeycloakServer(Path home, Path directory, LoopbackRealm realm, TestPki https) {
        this.home = home;
        this.directory = directory;
        this.realm = realm;
        this.https = https;
    }

    /** A server from the distribution named by {@value #DIST_DIR_PROPERTY} that will import {@code realm}; not started yet. */
    public static KeycloakServer fromDist(LoopbackRealm realm) {
        String dist = System.getProperty(DIST_DIR_PROPERTY);
        if (dist == null || dist.isBlank()) {
            throw new IllegalStateException("system property " + DIST_DIR_PROPERTY
                    + " is not set (failsafe passes the unpacked keycloak-quarkus-dist)");
        }
        Path unpacked = Path.of(dist).toAbsolutePath();
        Path home = distributionHome(unpacked);
        try {
            // target/keycloak-dist -> target/keycloak-servers/kc-<unique>
            Path servers = Files.createDirectories(unpacked.getParent().resolve("keycloak-servers"));
            return new KeycloakServer(home, Files.createTempDirectory(servers, "kc-"), realm, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same server with an HTTPS port too, its certificate {@code pki}'s server certificate (for
     * 127.0.0.1), asking every client for a certificate and trusting {@code pki}'s CA for it.
     */
    public KeycloakServer withHttps(TestPki pki) {
        requireNotStarted();
        return new KeycloakServer(home, directory, realm, pki);
    }

    /** Locks the distribution, writes the realm into its import directory, starts Keycloak and waits until it is ready. */
    public KeycloakServer start() {
        requireNotStarted();
        lockDistribution();
        try {
            writeRealm();
            while (true) {
                attempt++;
                pickPorts();
                try {
                    launch();
                    return this;
                } catch (PortTakenException e) {
                    // Another process took a port between picking and binding: pick again.
                    if (attempt == START_ATTEMPTS) {
                        throw new AssertionError(e.getMessage());
                    }
                    log("ports taken, picking others");
                }
            }
        } catch (RuntimeException | Error e) {
            releaseDistribution();
            throw e;
        }
    }

    /** {@code http://127.0.0.1:<port>/realms/loopback}: the issuer of tokens asked for over http, and a SPIFFE SVID's audience. */
    public URI issuer() {
        requireRunning();
        return URI.create("http://" + HOST + ":" + httpPort + "/realms/" + LoopbackRealm.NAME);
    }

    /** The realm's token endpoint over http. */
    public URI tokenUrl() {
        return URI.create(issuer() + "/protocol/openid-connect/token");
    }

    /** The realm's token endpoint over https (only with {@link #withHttps}). */
    public URI httpsTokenUrl() {
        requireRunning();
        if (https == null) {
            throw new IllegalStateException("started without https; use withHttps(pki)");
        }
        return URI.create("https://" + HOST + ":" + httpsPort + "/realms/" + LoopbackRealm.NAME
                + "/protocol/openid-connect/token");
    }

    /**
     * Token calls Keycloak recorded for {@code clientId} so far, successful or not ({@code CLIENT_LOGIN}
     * and {@code CLIENT_LOGIN_ERROR} events). An event is stored before the token answer is sent.
     */
    public int tokenCalls(String clientId) {
        return events(clientId).size();
    }

    /** Keycloak's stored token-call events for {@code clientId}, newest first. */
    public List<Event> events(String clientId) {
        requireRunning();
        URI uri = URI.create("http://" + HOST + ":" + httpPort + "/admin/realms/" + LoopbackRealm.NAME
                + "/events?type=CLIENT_LOGIN&type=CLIENT_LOGIN_ERROR&max=100000&client="
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8));
        Http.Answer answer = http.send(java.net.http.HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + adminToken()).GET());
        if (answer.status() != 200) {
            throw new AssertionError("Keycloak's events for " + clientId + ": HTTP " + answer.status() + " "
                    + answer.body() + "; see " + console());
        }
        List<Event> events = new ArrayList<>();
        for (JsonNode event : readTree(answer.body(), "events")) {
            Map<String, String> details = new TreeMap<>();
            event.path("details").fields().forEachRemaining(detail -> details.put(detail.getKey(), detail.getValue().asText()));
            events.add(new Event(event.path("type").asText(), event.path("clientId").asText(null),
                    event.path("time").asLong(), event.path("error").asText(null), Map.copyOf(details)));
        }
        return events;
    }

    /**
     * Token exchanges Keycloak recorded with {@code clientId} as the requesting client
     * ({@code TOKEN_EXCHANGE} and {@code TOKEN_EXCHANGE_ERROR} events): Keycloak's own count.
     */
    public int tokenExchanges(String clientId) {
        requireRunning();
        URI uri = URI.create("http://" + HOST + ":" + httpPort + "/admin/realms/" + LoopbackRealm.NAME
                + "/events?type=TOKEN_EXCHANGE&type=TOKEN_EXCHANGE_ERROR&max=100000&client="
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8));
        Http.Answer answer = http.send(java.net.http.HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + adminToken()).GET());
        if (answer.status() != 200) {
            throw new AssertionError("Keycloak's exchange events for " + clientId + ": HTTP " + answer.status() + " "
                    + answer.body() + "; see " + console());
        }
        int count = 0;
        for (JsonNode ignored : readTree(answer.body(), "events")) {
            count++;
        }
        return count;
    }

    /** The realm's OpenID Connect endpoint {@code name} ({@code token}, {@code logout}, {@code certs}). */
    public URI oidcEndpoint(String name) {
        return URI.create(issuer() + "/protocol/openid-connect/" + name);
    }

    /**
     * One token call as Keycloak stored it: {@code error} is null for {@code CLIENT_LOGIN};
     * {@code details} carry e.g. {@code client_assertion_id} (the assertion's {@code jti}), {@code client_auth_method}.
     */
    public record Event(String type, String clientId, long time, String error, Map<String, String> details) {
    }

    public int httpPort() {
        requireRunning();
        return httpPort;
    }

    public int managementPort() {
        requireRunning();
        return managementPort;
    }

    /** The pid of the process this harness started: {@code kc.sh}, or the JVM it turned into after augmenting. */
    public long pid() {
        requireRunning();
        return process.pid();
    }

    /** From running {@code kc.sh} to {@code /health/ready} answering 200, for this start. */
    public Duration startedIn() {
        requireRunning();
        return startedIn;
    }

    /** Whether this start began with a Quarkus augmentation (the first start after an unpack). */
    public boolean augmented() {
        return augmented;
    }

    /** Keycloak's console (stdout and stderr): the log a failure points to. */
    public Path console() {
        return directory.resolve("console-" + attempt + ".log");
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        if (process == null) {
            releaseDistribution();
            return;
        }
        long begin = System.nanoTime();
        long pid = process.pid();
        List<ProcessHandle> tree = tree();
        // SIGTERM first: kc.sh forwards it to the JVM, Quarkus stops within a second or two.
        tree.forEach(ProcessHandle::destroy);
        boolean graceful = awaitExit(tree, STOP_TIMEOUT);
        if (!graceful) {
            tree.forEach(ProcessHandle::destroyForcibly);
            if (!awaitExit(tree, STOP_TIMEOUT)) {
                throw new AssertionError("Keycloak process tree of " + pid + " still alive after SIGKILL; see " + console());
            }
        }
        forget();
        releaseDistribution();
        log("stopped pid " + pid + (graceful ? " (SIGTERM)" : " (SIGKILL after " + STOP_TIMEOUT + ")") + " in "
                + Duration.ofNanos(System.nanoTime() - begin).toMillis() + " ms");
    }

    private static Path distributionHome(Path unpacked) {
        if (Files.isRegularFile(unpacked.resolve("bin/kc.sh"))) {
            return unpacked;
        }
        try (Stream<Path> children = Files.list(unpacked)) {
            return children.filter(child -> Files.isRegularFile(child.resolve("bin/kc.sh")))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(DIST_DIR_PROPERTY + "=" + unpacked
                            + " holds no bin/kc.sh (nor does any directory in it)"));
        } catch (IOException e) {
            throw new UncheckedIOException(DIST_DIR_PROPERTY + "=" + unpacked + " cannot be read", e);
        }
    }

    private void lockDistribution() {
        try {
            Path data = Files.createDirectories(home.resolve("data"));
            lockChannel = FileChannel.open(data.resolve("keycloak-server.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                lockChannel = null;
                throw new IllegalStateException("another KeycloakServer runs from " + home
                        + ": one at a time per unpacked distribution (its data/import is shared)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void releaseDistribution() {
        try {
            Files.deleteIfExists(home.resolve("data/import").resolve(IMPORT_FILE));
            if (lock != null) {
                lock.release();
                lock = null;
            }
            if (lockChannel != null) {
                lockChannel.close();
                lockChannel = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeRealm() {
        String filled = realm.json();
        try {
            Path imports = Files.createDirectories(home.resolve("data/import"));
            // Whatever a killed run left there would be imported too.
            try (Stream<Path> stale = Files.list(imports)) {
                for (Path file : stale.filter(f -> f.toString().endsWith(".json")).toList()) {
                    Files.delete(file);
                }
            }
            Files.writeString(imports.resolve(IMPORT_FILE), filled);
            Files.writeString(directory.resolve(IMPORT_FILE), filled);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pickPorts() {
        // Held open together so they differ; Keycloak binds them seconds later (see PortTakenException).
        InetAddress host = loopback();
        try (ServerSocket one = new ServerSocket(0, 1, host); ServerSocket two = new ServerSocket(0, 1, host);
                ServerSocket three = new ServerSocket(0, 1, host)) {
            httpPort = one.getLocalPort();
            httpsPort = two.getLocalPort();
            managementPort = three.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of("sh", home.resolve("bin/kc.sh").toString(), "start-dev",
                // Build-time options: identical on every start, so the distribution augments once.
                "--db=dev-mem", "--features=" + FEATURES, "--health-enabled=true", "--https-client-auth=request",
                "--http-host=" + HOST, "--http-port=" + httpPort, "--https-port=" + httpsPort,
                "--http-management-port=" + managementPort, "--http-management-scheme=http",
                "--import-realm"));
        if (https != null) {
            command.addAll(List.of(
                    "--https-key-store-file=" + https.serverKeyStore(), "--https-key-store-password=" + TestPki.PASSWORD,
                    "--https-trust-store-file=" + https.trustStore(), "--https-trust-store-password=" + TestPki.PASSWORD));
        }
        return command;
    }

    private void launch() {
        Path console = console();
        ProcessBuilder builder = new ProcessBuilder(command()).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(console.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long begin = System.nanoTime();
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run sh " + home.resolve("bin/kc.sh"), e);
        }
        Runtime.getRuntime().addShutdownHook(killOnExit);
        long deadline = begin + START_TIMEOUT.toNanos();
        URI ready = URI.create("http://" + HOST + ":" + managementPort + "/health/ready");
        try {
            while (true) {
                if (healthy(ready)) {
                    startedIn = Duration.ofNanos(System.nanoTime() - begin);
                    augmented = read(console).contains("Quarkus augmentation completed");
                    requireRealm();
                    log("ready in " + startedIn.toMillis() + " ms" + (augmented ? " (first start: augmented)" : "")
                            + ": pid " + process.pid() + ", http " + httpPort
                            + (https != null ? ", https " + httpsPort : "") + ", management " + managementPort
                            + ", console " + console);
                    return;
                }
                String output = read(console);
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String why = process.isAlive() ? "not ready within " + START_TIMEOUT
                            : "exited with " + process.exitValue() + " before it was ready";
                    abandon();
                    String message = "Keycloak (http " + httpPort + ", https " + httpsPort + ", management "
                            + managementPort + ") " + why + "; " + console + " ends with:\n" + tail(output, 40);
                    if (output.contains("Address already in use") || output.contains("Port(s) already bound")) {
                        throw new PortTakenException(message);
                    }
                    throw new AssertionError(message);
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon();
            throw new IllegalStateException("interrupted while starting Keycloak", e);
        }
    }

    private boolean healthy(URI ready) {
        try {
            return http.get(ready).status() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Ready means the import ran; a realm that is still missing failed to import (the console says why). */
    private void requireRealm() {
        Http.Answer wellKnown = http.get(URI.create(issuer() + "/.well-known/openid-configuration"));
        if (wellKnown.status() != 200) {
            String output = read(console());
            abandon();
            throw new AssertionError("Keycloak is ready but realm " + LoopbackRealm.NAME + " is not there (HTTP "
                    + wellKnown.status() + "); " + console() + " ends with:\n" + tail(output, 40));
        }
    }

    private String adminToken() {
        String basic = Base64.getEncoder().encodeToString((LoopbackRealm.EVENTS_CLIENT + ":" + LoopbackRealm.EVENTS_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        Http.Answer answer = http.post(tokenUrl(), "application/x-www-form-urlencoded", "grant_type=client_credentials",
                "Authorization", "Basic " + basic);
        String token = answer.status() == 200 ? readTree(answer.body(), "token answer").path("access_token").asText(null) : null;
        if (token == null) {
            throw new AssertionError(LoopbackRealm.EVENTS_CLIENT + " got no token: HTTP " + answer.status() + "; see " + console());
        }
        return token;
    }

    private JsonNode readTree(String body, String what) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("Keycloak's " + what + " is not JSON: " + body, e);
        }
    }

    private List<ProcessHandle> tree() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        return tree;
    }

    private static boolean awaitExit(List<ProcessHandle> tree, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle each : tree) {
            try {
                long left = deadline - System.nanoTime();
                each.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }

    /** A start that failed: nothing of it may live on. */
    private void abandon() {
        killQuietly();
        if (process != null) {
            awaitExit(tree(), STOP_TIMEOUT);
        }
        forget();
    }

    private void forget() {
        process = null;
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs anyway.
        }
    }

    private void killQuietly() {
        Process started = process;
        if (started != null) {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        }
    }

    private void requireNotStarted() {
        if (process != null || attempt > 0) {
            throw new IllegalStateException("already started once; a Keycloak harness starts once");
        }
    }

    private void requireRunning() {
        if (process == null) {
            throw new IllegalStateException("not running");
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName(HOST);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text, int count) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    private void log(String message) {
        System.out.println("[keycloak " + directory.getFileName() + "] " + message);
    }

    /** Keycloak could not bind a picked port. */
    private static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
