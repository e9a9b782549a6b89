package dev.authloopback.testsupport.terracotta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A REAL Terracotta server (the one in {@code org.ehcache:ehcache-clustered:<version>:tgz:kit},
 * which Maven unpacks to the directory named by system property {@value #KIT_DIR_PROPERTY}),
 * started with the kit's own {@code server/bin/start-tc-server.sh} on free 127.0.0.1 ports and
 * stopped by process id.
 *
 * <p>Each server gets a directory of its own under {@code target/terracotta-servers/} holding the
 * configuration it was started with ({@code cluster.cfg}, in the kit's format), its
 * {@code config-dir}, {@code log-dir}, {@code metadata-dir} and one console file per start.
 * The config dir is always passed explicitly: without {@code -config-dir} the server uses
 * {@code ~/terracotta/config}, and once that exists it ignores {@code -config-file} ("Found
 * configuration directory ... Other parameters will be ignored") or fails on its file lock when
 * another server holds it.
 *
 * <p>{@link #kill()} simulates a crash: SIGKILL to the server JVM (a child of the script's
 * {@code sh}, which re-runs java only on exit code 11 and so exits too), then waits until both
 * processes are gone and the client port refuses connections. {@link #restart()} starts it again
 * on the same ports from the same config dir (the kit accepts it; the server comes back empty,
 * as an open-source server keeps no cache data across restarts).
 *
 * <p>The one Terracotta harness: it-tests (embedded nodes, the benchmark) and deployment-tests
 * (standalone Jetty and WildFly sharing one server) both start theirs through this class. A module
 * that uses it unpacks the kit in {@code pre-integration-test} and hands its directory to failsafe.
 */
public final class TerracottaServer implements AutoCloseable {

    /** Where Maven unpacked the kit (or the kit's own top directory). */
    public static final String KIT_DIR_PROPERTY = "terracotta.kit.dir";
    /** The server-side offheap resource the caches' clustered pools are carved from. */
    public static final String OFFHEAP_RESOURCE = "main";
    public static final int DEFAULT_OFFHEAP_MB = 64;
    /**
     * Short, so a test sees a client notice a dead server within seconds: until its lease runs out,
     * every clustered operation of a client waits for its read/write timeout; after, it fails fast.
     */
    public static final Duration DEFAULT_CLIENT_LEASE = Duration.ofSeconds(20);

    private static final String HOST = "127.0.0.1";
    private static final String READY = "ready for work";
    private static final Pattern SERVER_PID = Pattern.compile("PID is (\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int START_ATTEMPTS = 3;
    // The script asks for -Xms256m -Xmx2049m; JAVA_OPTS comes after on its command line and wins.
    // A test server holds a few MB of offheap, and the machine is shared with the builds.
    private static final String JAVA_OPTS = "-Xms64m -Xmx256m -XX:+UseSerialGC";

    private final Path script;
    private final Path directory;
    private final int offheapMegabytes;
    private final Duration clientLease;
    private final Thread killOnExit = new Thread(this::killQuietly, "terracotta-kill-on-exit");
    private int port;
    private int groupPort;
    private int starts;
    private Process wrapper;
    private ProcessHandle server;
    private Duration startedIn;

    private TerracottaServer(Path script, Path directory, int offheapMegabytes, Duration clientLease) {
        this.script = script;
        this.directory = directory;
        this.offheapMegabytes = offheapMegabytes;
        this.clientLease = clientLease;
    }

    /** A server from the kit named by {@value #KIT_DIR_PROPERTY}, offheap {@code main} of 64 MB, client lease 20 s; not started yet. */
    public static TerracottaServer fromKit() {
        return fromKit(DEFAULT_OFFHEAP_MB, DEFAULT_CLIENT_LEASE);
    }

    public static TerracottaServer fromKit(int offheapMegabytes, Duration clientLease) {
        if (offheapMegabytes < 1) {
            throw new IllegalArgumentException("offheapMegabytes must be >= 1: " + offheapMegabytes);
        }
        if (clientLease.toSeconds() < 1 || clientLease.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("clientLease must be whole seconds >= 1: " + clientLease);
        }
        String kit = System.getProperty(KIT_DIR_PROPERTY);
        if (kit == null || kit.isBlank()) {
            throw new IllegalStateException("system property " + KIT_DIR_PROPERTY
                    + " is not set (failsafe passes the unpacked ehcache-clustered kit)");
        }
        Path unpacked = Path.of(kit).toAbsolutePath();
        Path script = startScript(unpacked);
        try {
            // target/terracotta-kit -> target/terracotta-servers/tc-<unique>
            Path servers = Files.createDirectories(unpacked.getParent().resolve("terracotta-servers"));
            return new TerracottaServer(script, Files.createTempDirectory(servers, "tc-"), offheapMegabytes,
                    clientLease);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Picks free ports, writes the configuration, starts the server and waits until it is ready for work. */
    public TerracottaServer start() {
        if (starts > 0) {
            throw new IllegalStateException("already started once; use restart()");
        }
        for (int attempt = 1; ; attempt++) {
            pickPorts();
            writeConfiguration();
            try {
                launch();
                return this;
            } catch (PortTakenException e) {
                // Another process took a port between picking and binding: fresh ports, fresh config dir.
                if (attempt == START_ATTEMPTS) {
                    throw new AssertionError(e.getMessage());
                }
                deleteRecursively(directory.resolve("config"));
                log("ports taken, picking others: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    /** Starts the server again on the same ports and from the same config dir, e.g. after {@link #kill()}. */
    public TerracottaServer restart() {
        if (starts == 0) {
            throw new IllegalStateException("never started; use start()");
        }
        kill();
        launch();
        return this;
    }

    /** SIGKILL to the server JVM (a crash, no goodbye to clients) and its wrapper script; waits until both are gone and the port is closed. */
    public void kill() {
        if (wrapper == null) {
            return;
        }
        long begin = System.nanoTime();
        long pid = server.pid();
        server.destroyForcibly();
        awaitExit(server, "server JVM " + pid);
        if (!waitFor(wrapper, STOP_TIMEOUT)) {
            wrapper.destroyForcibly();
        }
        awaitExit(wrapper.toHandle(), "start-tc-server.sh " + wrapper.pid());
        awaitPortClosed();
        forget();
        log("killed server JVM " + pid + " (SIGKILL); gone and port closed after "
                + Duration.ofNanos(System.nanoTime() - begin).toMillis() + " ms");
    }

    public boolean isRunning() {
        return wrapper != null && server.isAlive();
    }

    /** {@code terracotta://127.0.0.1:<port>/<entity>}: the cluster URI a CacheManager (or {@code cluster-uri}) names. */
    public URI uri(String entity) {
        return URI.create("terracotta://" + HOST + ":" + port() + "/" + entity);
    }

    public int port() {
        requireStarted();
        return port;
    }

    public int groupPort() {
        requireStarted();
        return groupPort;
    }

    /** The server JVM's process id (not the wrapper script's). */
    public long pid() {
        if (wrapper == null) {
            throw new IllegalStateException("not running");
        }
        return server.pid();
    }

    /** From launching the script to "ready for work", for the latest start. */
    public Duration startedIn() {
        requireStarted();
        return startedIn;
    }

    public Path directory() {
        return directory;
    }

    /** The server's console (stdout and stderr) of the latest start. */
    public Path console() {
        return directory.resolve("console-" + starts + ".log");
    }

    @Override
    public void close() {
        kill();
    }

    private static Path startScript(Path kit) {
        Path direct = kit.resolve("server/bin/start-tc-server.sh");
        if (Files.isRegularFile(direct)) {
            return direct;
        }
        try (Stream<Path> children = Files.list(kit)) {
            return children.map(child -> child.resolve("server/bin/start-tc-server.sh"))
                    .filter(Files::isRegularFile)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(KIT_DIR_PROPERTY + "=" + kit
                            + " holds no server/bin/start-tc-server.sh (nor does any directory in it)"));
        } catch (IOException e) {
            throw new UncheckedIOException(KIT_DIR_PROPERTY + "=" + kit + " cannot be read", e);
        }
    }

    private void pickPorts() {
        // Both held open together so they differ; the server binds them a second later (see PortTakenException).
        try (ServerSocket client = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                ServerSocket group = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            port = client.getLocalPort();
            groupPort = group.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeConfiguration() {
        // The kit's format (server/conf/cluster.cfg); names as in Terracotta's dynamic-config Setting.
        List<String> lines = List.of(
                "# Written by " + TerracottaServer.class.getName() + " for one test server.",
                "cluster-name=test-cluster",
                "failover-priority=availability",
                "offheap-resources=" + OFFHEAP_RESOURCE + ":" + offheapMegabytes + "MB",
                // Short (kit defaults: 120s, 150s), so tests see a lost lease and a reconnect within seconds.
                "client-reconnect-window=10s",
                "client-lease-duration=" + clientLease.toSeconds() + "s",
                "stripe-names=test-stripe",
                "test-stripe:node-names=test-node",
                "test-node:hostname=" + HOST,
                "test-node:bind-address=" + HOST,
                "test-node:group-bind-address=" + HOST,
                "test-node:port=" + port,
                "test-node:group-port=" + groupPort,
                "test-node:log-dir=" + directory.resolve("logs"),
                "test-node:metadata-dir=" + directory.resolve("metadata"));
        try {
            Files.write(directory.resolve("cluster.cfg"), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        starts++;
        Path console = console();
        ProcessBuilder builder = new ProcessBuilder("sh", script.toString(),
                "-config-file", directory.resolve("cluster.cfg").toString(),
                "-config-dir", directory.resolve("config").toString(),
                "-auto-activate")
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", JAVA_OPTS);
        long begin = System.nanoTime();
        try {
            wrapper = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run sh " + script, e);
        }
        Runtime.getRuntime().addShutdownHook(killOnExit);
        long deadline = begin + START_TIMEOUT.toNanos();
        try {
            while (true) {
                String output = read(console);
                if (output.contains(READY)) {
                    startedIn = Duration.ofNanos(System.nanoTime() - begin);
                    server = serverJvm(output);
                    log("ready for work in " + startedIn.toMillis() + " ms: pid " + server.pid()
                            + ", port " + port + ", group port " + groupPort + ", offheap " + OFFHEAP_RESOURCE + ":"
                            + offheapMegabytes + "MB, client lease " + clientLease.toSeconds() + "s, dir " + directory);
                    return;
                }
                if (!wrapper.isAlive() || System.nanoTime() > deadline) {
                    String why = wrapper.isAlive() ? "not ready for work within " + START_TIMEOUT
                            : "exited with " + wrapper.exitValue() + " before it was ready for work";
                    abandon();
                    String message = "Terracotta server (port " + port + ", group port " + groupPort + ") " + why
                            + "; " + console + " ends with:\n" + tail(read(console), 40);
                    if (output.contains("java.net.BindException")) {
                        throw new PortTakenException(message);
                    }
                    throw new AssertionError(message);
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon();
            throw new IllegalStateException("interrupted while starting the Terracotta server", e);
        }
    }

    /** The JVM the script runs: the pid it logs, checked to be the script's descendant. */
    private ProcessHandle serverJvm(String output) {
        Matcher logged = SERVER_PID.matcher(output);
        Optional<ProcessHandle> jvm = logged.find()
                ? wrapper.descendants().filter(p -> p.pid() == Long.parseLong(logged.group(1))).findFirst()
                : wrapper.children().findFirst();
        return jvm.orElseThrow(() -> new AssertionError("Terracotta server ready, but its JVM is no child of "
                + wrapper.pid() + "\n" + tail(output, 20)));
    }

    private void awaitExit(ProcessHandle process, String what) {
        try {
            process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what + " to exit", e);
        } catch (Exception e) {
            throw new AssertionError(what + " still alive " + STOP_TIMEOUT + " after SIGKILL", e);
        }
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (accepts(port)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("port " + port + " still accepts connections " + STOP_TIMEOUT
                        + " after the Terracotta server exited");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Whether something listens on 127.0.0.1:{@code port}. */
    public static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A start that failed: nothing of it may live on. */
    private void abandon() {
        killQuietly();
        waitFor(wrapper, STOP_TIMEOUT);
        forget();
    }

    private void forget() {
        wrapper = null;
        Runtime.getRuntime().removeShutdownHook(killOnExit);
    }

    private void killQuietly() {
        Process script = wrapper;
        if (script != null) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    private void requireStarted() {
        if (starts == 0) {
            throw new IllegalStateException("not started");
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

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path each : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void log(String message) {
        System.out.println("[terracotta " + directory.getFileName() + "] " + message);
    }

    /** The server could not bind a picked port. */
    private static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
