package dev.authloopback.testsupport.terracotta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * {@code cluster-key-file}s for clustered loopbacks in tests: the format README documents
 * ({@code <id> <base64 of 32 random bytes> [seal|open]} per line), owner-only as the loopback
 * demands. A rewrite gets a modification time the loopback sees as a change even within the same
 * millisecond: its size or its time differs.
 */
public final class ClusterKeyFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterKeyFiles() {
    }

    /** A fresh key, as {@code openssl rand -base64 32} prints it. */
    public static String newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** A file holding one new sealing key {@code k1}. */
    public static Path oneKey(Path file) {
        return write(file, "k1 " + newKey() + " seal\n");
    }

    /** Writes {@code content} to {@code file} with mode 600 (atomically: a node never reads half a file). */
    public static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, content);
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            long before = Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() : 0;
            Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (Files.getLastModifiedTime(file).toMillis() <= before) {
                Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(before + 1000));
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
