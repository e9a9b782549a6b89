package dev.authloopback.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The walkthroughs in docs/, run verbatim by bash as a reader would paste them, in order, on a fresh
 * copy of this repository: a git repository of its own holding the tracked files as they are in
 * the working tree, plus what the README's build ({@code mvn -B -q install -DskipTests}) leaves in
 * the modules' {@code target/} (copied from this reactor instead of built again).
 *
 * <p>The reader's home is a directory of the test's, holding the copy at {@code ~/auth-loopback}
 * (where the walkthroughs' first step says the clone is); Maven uses this build's repository
 * ({@code MAVEN_OPTS=-Dmaven.repo.local=...}), so the server distributions it fetches come from
 * there. Each page must exit 0, end with the proof it promises (a token through a business app, or
 * two nodes sharing one), stop what it started, and leave the copy as git sees it clean (nothing
 * untracked). Whatever a failed page left running is found by a marker in its environment and
 * stopped by pid.
 *
 * <p>The ports are the documented fixed ones (8080, 8082, 8084, 8090, 9410, 9990 on 127.0.0.1): a
 * walkthrough is what a reader types, so it does not pick free ports; a taken port fails the page
 * with the server's own message in the log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkthroughIT {

    private static final Path ROOT = DocLinksTest.ROOT;
    private static final Duration PAGE_TIMEOUT = Duration.ofMinutes(8);
    /** What the README's build leaves that the walkthroughs use. */
    private static final List<String> BUILT = List.of(
            "loopback-war/target/loopback.war",
            "sample-app/target/sample-app.war",
            "sample-annotated-app/target/sample-annotated-app.war",
            "sample-rest-app/target/sample-rest-app.war",
            "sample-rest-app/target/sample-rest-app-jersey.war",
            "launcher/target/loopback-launcher.jar");

    private static Path home;
    private static Path copy;
    private static Path logs;
    /** A failed page keeps the reader's home (servers, their logs) for a look; a passing run removes it. */
    private static boolean failed;

    @BeforeAll
    static void freshCopy() throws Exception {
        Path work = Path.of(System.getProperty("walkthrough.work.dir", "target/walkthroughs")).toAbsolutePath();
        deleteTree(work);
        home = Files.createDirectories(work.resolve("home"));
        logs = Files.createDirectories(work.resolve("logs"));
        copy = home.resolve("auth-loopback");
        String tracked = run(ROOT, "git", "ls-files", "-z");
        for (String file : tracked.split("\0")) {
            Path source = ROOT.resolve(file);
            if (!file.isEmpty() && Files.isRegularFile(source)) {
                Path target = copy.resolve(file);
                Files.createDirectories(target.getParent());
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        run(copy, "git", "init", "-q");
        run(copy, "git", "add", "-A");
        run(copy, "git", "-c", "user.name=walkthrough", "-c", "user.email=walkthrough@localhost",
                "commit", "-q", "-m", "fresh copy");
        for (String file : BUILT) {
            Path built = ROOT.resolve(file);
            assertTrue(Files.isRegularFile(built), file + " is missing: build the modules first (mvn install -DskipTests)");
            Files.createDirectories(copy.resolve(file).getParent());
            Files.copy(built, copy.resolve(file));
        }
        assertEquals("", run(copy, "git", "status", "--porcelain"), "the fresh copy starts clean");
    }

    @AfterAll
    static void removeCopy() throws IOException {
        if (home != null && !failed) {
            deleteTree(home); // the unpacked servers take ~1 GB
        }
    }

    @Test
    @Order(1)
    void deployOnJetty() throws Exception {
        String out = runPage("deploy-jetty.md");
        assertTrue(out.contains("\"backend\":\"stand-in\"") && out.contains("\"backend_status\":200"),
                "ends with a token through the business apps:\n" + out);
    }

    @Test
    @Order(2)
    void owningModeOnJetty() throws Exception {
        String out = runPage("owning-modes.md");
        assertTrue(out.contains("\"backend\":\"stand-in\""), "ends with a token through sample-app:\n" + out);
    }

    @Test
    @Order(3)
    void deployOnWildFly() throws Exception {
        String out = runPage("deploy-wildfly.md");
        assertTrue(out.contains("\"backend\":\"stand-in\"") && out.contains("org.jboss.resteasy"),
                "ends with a token through the business apps:\n" + out);
    }

    @Test
    @Order(4)
    void clusterOfTwoNodes() throws Exception {
        String out = runPage("cluster.md");
        assertTrue(out.toLowerCase(java.util.Locale.ROOT).contains("x-loopback-cache: hit"),
                "node 2 answers node 1's token from the cluster:\n" + out);
    }

    /** Runs one page's marked blocks; returns what they printed. */
    private static String runPage(String page) throws Exception {
        try {
            return runPageOnce(page);
        } catch (AssertionError | Exception e) {
            failed = true;
            throw e;
        }
    }

    private static String runPageOnce(String page) throws Exception {
        Markdown doc = Markdown.read(ROOT.resolve("docs").resolve(page));
        Walkthrough walkthrough = Walkthrough.of(doc, page);
        assertTrue(walkthrough.steps().size() >= 3, page + " has no marked walkthrough (```" + Walkthrough.INFO + ")");
        Path script = logs.resolve(page + ".sh");
        Files.writeString(script, walkthrough.script());
        Path log = logs.resolve(page + ".log");
        String marker = UUID.randomUUID().toString();
        ProcessBuilder bash = new ProcessBuilder("bash", script.toString())
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = bash.environment();
        env.put("HOME", home.toString());
        env.put("WALKTHROUGH_MARKER", marker);
        String repo = System.getProperty("maven.repo.local");
        if (repo != null && !repo.isBlank()) {
            env.put("MAVEN_OPTS", "-Dmaven.repo.local=" + repo);
        }
        Process process = bash.start();
        boolean finished = process.waitFor(PAGE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        List<Long> leftOver = stopMarked(marker);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished) {
            process.destroyForcibly();
            fail(page + " did not finish within " + PAGE_TIMEOUT + "; log " + log + ":\n" + tail(out));
        }
        assertEquals(0, process.exitValue(), page + " failed (log " + log + "):\n" + tail(out));
        assertEquals(List.of(), leftOver, page + " left processes running (its stop step did not stop them):\n" + tail(out));
        assertEquals("", run(copy, "git", "status", "--porcelain"),
                page + " left files in the clone (a walkthrough writes only outside it)");
        return out;
    }

    /** Every process whose environment carries the page's marker: stopped (TERM, then KILL), pids returned. */
    private static List<Long> stopMarked(String marker) throws InterruptedException {
        List<ProcessHandle> marked = new ArrayList<>();
        byte[] needle = ("WALKTHROUGH_MARKER=" + marker).getBytes(StandardCharsets.UTF_8);
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
                if (indexOf(environ, needle) >= 0) {
                    marked.add(p);
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile, or not ours to read
            }
        });
        marked.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : marked) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        return marked.stream().map(ProcessHandle::pid).toList();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String tail(String out) {
        String[] lines = out.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed in " + dir + ":\n" + out);
        }
        return out.strip();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
