package dev.authloopback.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The loopback.war carried inside the launcher jar (copied there by the build), written to a
 * private temporary directory so Jetty can deploy it, and removed again on {@link #close()}.
 */
final class EmbeddedWar implements AutoCloseable {

    static final String RESOURCE = "loopback.war";

    private final Path directory;
    private final Path war;

    private EmbeddedWar(Path directory, Path war) {
        this.directory = directory;
        this.war = war;
    }

    /** Copies the embedded WAR to a fresh temporary directory. */
    static EmbeddedWar extract() throws IOException {
        try (InputStream in = EmbeddedWar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the launcher jar holds no " + RESOURCE
                        + " next to " + EmbeddedWar.class.getName() + "; was it built with 'mvn -pl launcher package'?");
            }
            Path directory = Files.createTempDirectory("auth-loopback-");
            Path war = directory.resolve(RESOURCE);
            Files.copy(in, war, StandardCopyOption.REPLACE_EXISTING);
            Files.createDirectories(directory.resolve("work"));
            return new EmbeddedWar(directory, war);
        }
    }

    /** The WAR file to deploy. */
    Path war() {
        return war;
    }

    /** Where Jetty may unpack the WAR; inside {@link #war()}'s directory, so it is removed too. */
    Path workDirectory() {
        return directory.resolve("work");
    }

    @Override
    public void close() {
        if (!Files.exists(directory)) {
            return; // already removed: close() may run from both stop() and a shutdown hook
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedWar::delete);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + directory, e);
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + path, e);
        }
    }
}
