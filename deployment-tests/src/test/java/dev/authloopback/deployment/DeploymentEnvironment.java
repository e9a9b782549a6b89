package dev.authloopback.deployment;

import dev.authloopback.testsupport.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Where the build put the distributions, the WARs and the server configuration under test
 * (system properties set by failsafe in this module's pom), plus small file and port helpers.
 */
record DeploymentEnvironment(Path distDir, Path warsDir, Path serverConfigDir, Path workDir, Duration bootTimeout) {

    static DeploymentEnvironment fromSystemProperties() {
        return new DeploymentEnvironment(
                existing("deployment.dist.dir"),
                existing("deployment.wars.dir"),
                existing("deployment.server-config.dir"),
                Path.of(required("deployment.work.dir")),
                Duration.ofSeconds(Long.parseLong(required("deployment.boot-timeout-seconds"))));
    }

    Path loopbackWar() {
        return warsDir.resolve("loopback.war");
    }

    Path sampleAppWar() {
        return warsDir.resolve("sample-app.war");
    }

    /** A business WAR copied by this module's pom, e.g. {@code sample-annotated-app.war}. */
    Path war(String fileName) {
        return warsDir.resolve(fileName);
    }

    /** A fresh, empty directory under target/servers. */
    Path freshWorkDir(String name) throws IOException {
        Path dir = workDir.resolve(name);
        Files.createDirectories(workDir);
        if (Files.exists(dir)) {
            Processes.runOk(workDir, Duration.ofMinutes(2), "rm", "-rf", dir.toString());
        }
        return Files.createDirectories(dir);
    }

    /** Unpacks a {@code tar.gz} with the system tar, keeping the scripts' executable bits. */
    static void untar(Path archive, Path into) {
        Processes.runOk(into, Duration.ofMinutes(3), "tar", "-xzf", archive.toString(), "-C", into.toString());
    }

    /** {@code cp -r from/. to/}: the copy step of README.md. */
    static void copyTree(Path from, Path to) {
        Processes.runOk(from, Duration.ofMinutes(1), "cp", "-r", from + "/.", to.toString());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    static String sha256(Path file) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String replaceOnce(String text, String target, String replacement, String where) {
        if (!text.contains(target)) {
            throw new IllegalStateException(where + " no longer contains '" + target + "'; README.md and this test must change together");
        }
        return text.replace(target, replacement);
    }

    private static Path existing(String property) {
        Path path = Path.of(required(property));
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + "=" + path + " does not exist; run through 'mvn -pl deployment-tests verify'");
        }
        return path;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run through 'mvn -pl deployment-tests verify'");
        }
        return value;
    }
}
